/**
 * One stack of everything a node has started, released in reverse order. Each resource joins
 * the stack the moment it exists, so a start that fails part-way releases exactly what was
 * started (ports, timers, connections) with the same code that stops a running node.
 */

/** A release that failed: which resource, and why. */
export interface DisposalFailure {
  readonly name: string;
  readonly error: unknown;
}

export class DisposalStack {
  private readonly entries: Array<{ readonly name: string; readonly dispose: () => unknown }> = [];
  private disposing: Promise<DisposalFailure[]> | undefined;

  /** Registers `dispose` to release `resource` (named for the log) and returns the resource. */
  use<T>(name: string, resource: T, dispose: (resource: T) => unknown): T {
    this.defer(name, () => dispose(resource));
    return resource;
  }

  /** Registers a release that is not tied to a value. */
  defer(name: string, dispose: () => unknown): void {
    if (this.disposing !== undefined) throw new Error(`cannot register '${name}': the node is already stopping`);
    this.entries.push({ name, dispose });
  }

  /** How many releases are registered (and not yet run). */
  get size(): number {
    return this.entries.length;
  }

  /**
   * Runs every release, last registered first, each once, even when an earlier one fails.
   * Idempotent: later calls return the same outcome. Never rejects.
   */
  disposeAll(): Promise<DisposalFailure[]> {
    this.disposing ??= (async () => {
      const failures: DisposalFailure[] = [];
      for (let entry = this.entries.pop(); entry !== undefined; entry = this.entries.pop()) {
        try {
          await entry.dispose();
        } catch (error) {
          failures.push({ name: entry.name, error });
        }
      }
      return failures;
    })();
    return this.disposing;
  }
}
