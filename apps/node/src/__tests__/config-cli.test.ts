import { freePort, LineClient, spawnNode, waitForPort, writeConfig } from './harness.js';

// An invalid configuration stops the process with a non-zero exit before it
// binds anything, and the message names the option.
describe('starting with an invalid configuration', () => {
  const cases: ReadonlyArray<readonly [string, (port: number) => string, RegExp]> = [
    ['port 70000', () => `node_id = "n"\n[network]\nbind_port = 70000\n[resp]\nenabled = false\n[mqtt]\nbroker_address = "none"\n`, /network\.bind_port: must be a port number from 1 to 65535/],
    ['missing node_id', (p) => `[network]\nbind_port = ${p}\n[resp]\nenabled = false\n[mqtt]\nbroker_address = "none"\n`, /node_id: is required/],
    ['an unknown key', (p) => `node_id = "n"\n[network]\nbind_port = ${p}\nmax_conections = 5\n[resp]\nenabled = false\n[mqtt]\nbroker_address = "none"\n`, /network\.max_conections: unknown option/],
    ['a wrong type', (p) => `node_id = "n"\n[network]\nbind_port = ${p}\n[resp]\nenabled = false\n[mqtt]\nbroker_address = "none"\n[anti_entropy]\nenabled = "yes"\n`, /anti_entropy\.enabled: /],
    ['a bad broker address', (p) => `node_id = "n"\n[network]\nbind_port = ${p}\n[resp]\nenabled = false\n[mqtt]\nbroker_address = "localhost"\n`, /mqtt\.broker_address: must be "embedded", "none" or a URL/],
    ['broken TOML', (p) => `node_id = "n\n[network]\nbind_port = ${p}\n`, /not valid TOML at line/],
  ];

  it.each(cases)('%s: exits 1 naming the option, never listening', async (_name, toml, message) => {
    const port = await freePort();
    const node = spawnNode(writeConfig(toml(port)), port);
    expect(await node.exited).toBe(1);
    expect(node.output()).toMatch(message);
    expect(node.output()).not.toMatch(/listening/);
  }, 30_000);

  it('refuses an environment override that names no option', async () => {
    const port = await freePort();
    const node = spawnNode(writeConfig(`node_id = "n"\n[network]\nbind_port = ${port}\n[resp]\nenabled = false\n[mqtt]\nbroker_address = "none"\n`), port, {
      MERKLE_KV_NETWORK_BIND_PROT: '1234',
    });
    expect(await node.exited).toBe(1);
    expect(node.output()).toMatch(/MERKLE_KV_NETWORK_BIND_PROT names no configuration option/);
  }, 30_000);
});

describe('a node process', () => {
  it('takes MERKLE_KV_* overrides over the file, and stops with exit 0 on SIGTERM', async () => {
    const port = await freePort();
    const file = writeConfig(`node_id = "from-file"\n[network]\nbind_port = 1\n[resp]\nenabled = false\n[mqtt]\nbroker_address = "none"\n[anti_entropy]\nenabled = false\n`);
    const node = spawnNode(file, port, { MERKLE_KV_NODE_ID: 'from-env', MERKLE_KV_NETWORK_BIND_PORT: String(port) });
    await waitForPort(port);
    const client = await LineClient.open(port);
    client.send('INFO\r\n');
    expect(await client.untilEnd()).toContain('node_id:from-env');
    node.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    expect(node.output()).toMatch(/"msg":"stopped"/);
  }, 30_000);

  it('answers SHUTDOWN with OK, then exits 0', async () => {
    const port = await freePort();
    const node = spawnNode(writeConfig(`node_id = "n"\n[network]\nbind_port = ${port}\n[resp]\nenabled = false\n[mqtt]\nbroker_address = "none"\n[anti_entropy]\nenabled = false\n`), port);
    await waitForPort(port);
    const client = await LineClient.open(port);
    client.send('SET a 1\r\nSHUTDOWN\r\n');
    expect(await client.line()).toBe('OK');
    expect(await client.line()).toBe('OK');
    await client.closedByServer();
    expect(await node.exited).toBe(0);
  }, 30_000);
});
