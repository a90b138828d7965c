import type { RunningNode } from '../node.js';
import { freePort, LineClient, startTestNode } from './harness.js';

/** Parses Prometheus text exposition into `series -> value` (series = name plus sorted labels). */
function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

describe('the admin HTTP listener', () => {
  let node: RunningNode;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    node = await startTestNode({ admin: { port } });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => node.stop());

  it('answers /health and /ready', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe('ready\n');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('serves /metrics as Prometheus text whose series move under load', async () => {
    const before = parsePrometheus(await (await fetch(`${base}/metrics`)).text());
    for (const name of [
      'merklekv_keys',
      'merklekv_records',
      'merklekv_connections',
      'merklekv_anti_entropy_keys_repaired_total',
      'merklekv_process_cpu_seconds_total',
    ]) {
      expect(before.has(name)).toBe(true);
    }

    const client = await LineClient.open(node.port);
    let batch = '';
    for (let i = 0; i < 2000; i++) batch += `SET load:${i} v${i}\r\nGET load:${i}\r\n`;
    batch += 'INCR load:0\r\n';
    client.send(batch);
    for (let i = 0; i < 4001; i++) await client.line();

    const after = parsePrometheus(await (await fetch(`${base}/metrics`)).text());
    expect(after.get('merklekv_keys')).toBe((before.get('merklekv_keys') ?? 0) + 2000);
    expect(after.get('merklekv_commands_total{command="SET",outcome="ok"}')).toBe(2000);
    expect(after.get('merklekv_commands_total{command="GET",outcome="ok"}')).toBe(2000);
    expect(after.get('merklekv_commands_total{command="INCR",outcome="error"}')).toBe(1);
    expect(after.get('merklekv_connections')).toBe(1);
    const sampled = after.get('merklekv_command_duration_seconds_count{command="SET"}') ?? 0;
    expect(sampled).toBeGreaterThan(50);
    client.close();
  });
});
