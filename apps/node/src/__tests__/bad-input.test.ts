import type { RunningNode } from '../node.js';
import { LineClient, startTestNode } from './harness.js';

// Every kind of bad input gets a clear ERROR (or a documented clean close),
// and other clients keep being served.
describe('bad input against a running node', () => {
  let node: RunningNode;
  let bystander: LineClient;

  beforeAll(async () => {
    node = await startTestNode({ network: { max_connections: 4, max_line_bytes: 1024 } });
    bystander = await LineClient.open(node.port);
    await bystander.call('SET bystander ok');
  });

  afterEach(async () => {
    // The bystander is served after every abuse.
    expect(await bystander.call('GET bystander')).toBe('ok');
  });

  afterAll(async () => {
    bystander.close();
    await node.stop();
  });

  async function withClient(run: (c: LineClient) => Promise<void>): Promise<void> {
    const c = await LineClient.open(node.port);
    try {
      await run(c);
    } finally {
      c.close();
    }
  }

  it('answers an unknown command with Invalid command', () =>
    withClient(async (c) => {
      expect(await c.call('FROB x')).toBe("ERROR: Invalid command 'FROB'");
      expect(await c.call('PING')).toBe('PONG');
    }));

  it('answers missing arguments', () =>
    withClient(async (c) => {
      expect(await c.call('SET onlykey')).toMatch(/^ERROR: Missing arguments/);
      expect(await c.call('GET')).toMatch(/^ERROR: Missing arguments/);
      expect(await c.call('INCR')).toMatch(/^ERROR: Missing arguments/);
    }));

  it('refuses INCR on text and leaves the value alone', () =>
    withClient(async (c) => {
      await c.call('SET word hello');
      expect(await c.call('INCR word')).toMatch(/^ERROR: .*not an integer/);
      expect(await c.call('GET word')).toBe('hello');
      expect(await c.call('INCR n abc')).toMatch(/^ERROR: /);
    }));

  it('refuses INCR past the 64-bit range and changes nothing', () =>
    withClient(async (c) => {
      await c.call('SET big 9223372036854775806');
      expect(await c.call('INCR big')).toBe('9223372036854775807');
      expect(await c.call('INCR big')).toMatch(/^ERROR: .*overflow/);
      expect(await c.call('GET big')).toBe('9223372036854775807');
      await c.call('SET small -9223372036854775808');
      expect(await c.call('DECR small')).toMatch(/^ERROR: .*overflow/);
    }));

  it('answers a line past the limit with an error and keeps the connection usable', () =>
    withClient(async (c) => {
      c.send(`SET huge ${'x'.repeat(5000)}\r\n`);
      expect(await c.line()).toMatch(/^ERROR: Line too long/);
      expect(await c.call('GET huge')).toBe('(null)');
    }));

  it('survives binary junk', () =>
    withClient(async (c) => {
      const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256));
      c.socket.write(junk);
      c.send('\r\nPING after-junk\r\n');
      let reply = await c.line();
      while (reply !== 'after-junk') {
        expect(reply).toMatch(/^ERROR: /);
        reply = await c.line();
      }
    }));

  it('refuses a connection past max_connections with an ERROR line, then closes it', async () => {
    const held = await Promise.all([LineClient.open(node.port), LineClient.open(node.port), LineClient.open(node.port)]);
    for (const h of held) expect(await h.call('PING')).toBe('PONG');
    const extra = await LineClient.open(node.port);
    expect(await extra.line()).toBe('ERROR: Too many connections (limit 4)');
    await extra.closedByServer();
    for (const h of held) h.close();
  });

  it('closes an idle connection after connection_timeout, and only the idle one', async () => {
    const strict = await startTestNode({ network: { connection_timeout: 1 } });
    const idle = await LineClient.open(strict.port);
    const active = await LineClient.open(strict.port);
    const started = Date.now();
    while (Date.now() - started < 1800) {
      expect(await active.call('PING')).toBe('PONG');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await idle.line(3000)).toMatch(/^ERROR: Connection idle/);
    await idle.closedByServer();
    expect(await active.call('PING')).toBe('PONG');
    active.close();
    await strict.stop();
  });
});
