/**
 * The peer-protocol knobs measured in-process (protocol 3, the packed PTREES/PENTRIES) (two Stores, `storePeer`, whose byte
 * count is the size of the same request and reply lines on the wire): for
 * "1,000 new keys among 200,000" (11-byte keys, 32-byte values), the round
 * trips and bytes of one session for each small-subtree threshold and each
 * hash width. `npx nx bench tools -- anti-entropy --sweep`
 */
import { runSession, storePeer } from '@merklekv/anti-entropy';
import { Store } from '@merklekv/storage';

const key = (i: number): string => `k${String(i).padStart(10, '0')}`;
const value = (i: number): string => `a${String(i).padStart(10, '0')}`.padEnd(32, 'x');

function copyOf(source: Store, nodeId: string): Store {
  const copy = new Store({ nodeId });
  for (const [k, v] of source.versions()) copy.merge(k, v);
  return copy;
}

export async function sweepAntiEntropy(shared = 200_000, fresh = 1000): Promise<string> {
  const a = new Store({ nodeId: 'node-a' });
  for (let i = 0; i < shared; i++) a.set(key(i), value(i));
  const b = copyOf(a, 'node-b');
  for (let i = shared; i < shared + fresh; i++) a.set(key(i), value(i));
  const out = [
    `# peer protocol 3 knobs, in-process: ${fresh.toLocaleString('en-US')} new keys among ${shared.toLocaleString('en-US')} (bytes = the same lines on the wire)`,
    '',
    '| small-subtree threshold | hash width (bytes) | round trips | bytes | keys pulled |',
    '| ---: | ---: | ---: | ---: | ---: |',
  ];
  const runs: Array<[number, number]> = [
    [0, 4],
    [8, 4],
    [16, 4],
    [32, 4],
    [64, 4],
    [16, 2],
    [16, 3],
    [16, 6],
    [16, 8],
    [16, 16],
  ];
  for (const [smallThreshold, hashWidth] of runs) {
    const local = copyOf(b, 'node-b');
    const report = await runSession(local, storePeer(a), { smallThreshold, hashWidth, path: 'tree' });
    if (local.tree.rootHex() !== a.tree.rootHex()) throw new Error('the sweep session did not converge');
    out.push(`| ${smallThreshold} | ${hashWidth} | ${report.roundTrips} | ${(report.bytes / 1024).toFixed(1)} KB | ${report.pulled} |`);
  }
  out.push('');
  return out.join('\n');
}
