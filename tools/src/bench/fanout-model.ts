/**
 * The broker capacity model of docs/DEPLOYMENT.md and the table `bench fanout`
 * prints. Every write is delivered to the N−1 other nodes, so a cluster
 * writing W events/s makes the broker send W×(N−1) events/s (plus each
 * batch's echo to its own publisher under MQTT 3.1.1, which the node drops).
 */

/** One measured row: N nodes under a fixed write rate. */
export interface FanoutRow {
  readonly nodes: number;
  /** Writes per second actually made, over the whole cluster. */
  readonly writesPerSec: number;
  /** Events per second the nodes received from the others (the broker's useful egress). */
  readonly deliveredEventsPerSec: number;
  /** MQTT messages per second the broker sent to the nodes, echoes included. */
  readonly messagesOutPerSec: number;
  /** Broker CPU over the window, in % of one core. */
  readonly brokerCpuPercent: number;
  /** CPU of the process holding the N nodes, in % of one core. */
  readonly nodesCpuPercent: number;
}

/** Events per second the broker must deliver: W×(N−1). */
export function expectedEgress(writesPerSec: number, nodes: number): number {
  return writesPerSec * Math.max(0, nodes - 1);
}

/** Broker CPU microseconds per delivered event (undefined when nothing was delivered). */
export function brokerMicrosPerEvent(row: FanoutRow): number | undefined {
  return row.deliveredEventsPerSec > 0 ? (row.brokerCpuPercent / 100) * 1e6 / row.deliveredEventsPerSec : undefined;
}

/** The rows as a markdown table. */
export function formatFanoutTable(rows: readonly FanoutRow[]): string {
  const lines = [
    '| nodes | writes/s (W) | model W×(N−1) events/s | delivered events/s | messages out/s | broker CPU (% of a core) | broker CPU µs/event | nodes\' process CPU (% of a core) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const perEvent = brokerMicrosPerEvent(r);
    lines.push(
      `| ${r.nodes} | ${Math.round(r.writesPerSec)} | ${Math.round(expectedEgress(r.writesPerSec, r.nodes))} | ${Math.round(r.deliveredEventsPerSec)} | ${Math.round(r.messagesOutPerSec)} | ${r.brokerCpuPercent.toFixed(1)} | ${perEvent === undefined ? '—' : perEvent.toFixed(2)} | ${r.nodesCpuPercent.toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}
