import fc from 'fast-check';
import { LineReplyCounter } from './line-counter.js';
import { RespReplyCounter } from './resp-counter.js';
import { buildBatches, buildPreload, encodeGet, encodeSet, keyName, seededRandom } from './workload.js';

const spec = { keySpace: 1000, valueSize: 32, getRatio: 0.5, pipeline: 16, seed: 7 };

/** Splits a RESP request stream into its commands (arrays of bulk strings). */
function parseRespRequests(buf: Buffer): string[][] {
  const text = buf.toString();
  const out: string[][] = [];
  let i = 0;
  const line = (): string => {
    const end = text.indexOf('\r\n', i);
    const l = text.slice(i, end);
    i = end + 2;
    return l;
  };
  while (i < text.length) {
    const n = Number(line().slice(1));
    const args: string[] = [];
    for (let a = 0; a < n; a++) {
      const len = Number(line().slice(1));
      args.push(text.slice(i, i + len));
      i += len + 2;
    }
    out.push(args);
  }
  return out;
}

describe('workload', () => {
  it('encodes SET and GET for both protocols', () => {
    expect(encodeSet('merklekv', 'k1', 'abc')).toBe('SET k1 abc\r\n');
    expect(encodeGet('merklekv', 'k1')).toBe('GET k1\r\n');
    expect(encodeSet('resp', 'k1', 'abc')).toBe('*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$3\r\nabc\r\n');
    expect(encodeGet('resp', 'k1')).toBe('*2\r\n$3\r\nGET\r\n$2\r\nk1\r\n');
  });

  it('pads key names to the key space width', () => {
    expect(keyName(7, 10000)).toBe('bench:0007');
    expect(keyName(0, 1)).toBe('bench:0');
  });

  it('is deterministic and gives both protocols the same command sequence', () => {
    const line = buildBatches(spec, 'merklekv', 50);
    const resp = buildBatches(spec, 'resp', 50);
    expect(buildBatches(spec, 'merklekv', 50)).toEqual(line);
    const lineCmds = line.flatMap((b) =>
      b
        .toString()
        .split('\r\n')
        .filter((l) => l !== '')
        .map((l) => l.split(' ')),
    );
    const respCmds = resp.flatMap(parseRespRequests);
    expect(lineCmds).toHaveLength(50 * 16);
    expect(respCmds).toEqual(lineCmds);
    for (const cmd of lineCmds) {
      expect(cmd[0] === 'GET' ? cmd.length : cmd[2]?.length).toBe(cmd[0] === 'GET' ? 2 : 32);
    }
    const gets = lineCmds.filter((c) => c[0] === 'GET').length;
    expect(gets / lineCmds.length).toBeGreaterThan(0.4);
    expect(gets / lineCmds.length).toBeLessThan(0.6);
  });

  it('honours the pure mixes', () => {
    const all = (ratio: number): string =>
      buildBatches({ ...spec, getRatio: ratio }, 'merklekv', 20)
        .map((b) => b.toString())
        .join('');
    expect(all(0)).not.toMatch(/GET/);
    expect(all(1)).not.toMatch(/SET/);
  });

  it('preloads every key exactly once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 20 }), (keySpace, pipeline) => {
        const batches = buildPreload({ keySpace, valueSize: 4, seed: 1 }, 'merklekv', pipeline);
        const keys = batches.flatMap((b) =>
          b.batch
            .toString()
            .split('\r\n')
            .filter((l) => l !== '')
            .map((l) => l.split(' ')[1]),
        );
        expect(new Set(keys).size).toBe(keySpace);
        expect(batches.reduce((n, b) => n + b.requests, 0)).toBe(keySpace);
        expect(batches.every((b) => b.requests <= pipeline)).toBe(true);
      }),
    );
  });

  it('the reply counters see one reply per request in a matching fake reply stream', () => {
    const requests = buildBatches(spec, 'resp', 10).flatMap(parseRespRequests);
    const resp = new RespReplyCounter();
    const line = new LineReplyCounter();
    resp.write(Buffer.from(requests.map((r) => (r[0] === 'SET' ? '+OK\r\n' : '$-1\r\n')).join('')));
    line.write(Buffer.from(requests.map((r) => (r[0] === 'SET' ? 'OK\r\n' : '(null)\r\n')).join('')));
    expect(resp.replies).toBe(160);
    expect(line.replies).toBe(160);
    expect(line.nils).toBe(resp.nils);
  });

  it('seededRandom stays in [0, 1)', () => {
    const r = seededRandom(123);
    for (let i = 0; i < 1000; i++) {
      const x = r();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});
