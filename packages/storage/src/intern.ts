/**
 * Interns node ids: a cluster has a handful of nodes but a million records, so every record
 * points at one shared string per node instead of its own copy (parsed from MQTT or the wire).
 */
export class Interner {
  private readonly strings = new Map<string, string>();

  /** The shared instance equal to `s`. */
  intern(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    // A bounded table: ids come from the network, so a flood of distinct ones must not grow it forever.
    if (this.strings.size >= 4096) this.strings.clear();
    this.strings.set(s, s);
    return s;
  }
}
