import { writeFileSync } from 'node:fs';
import { freePort, LineClient, spawnNode, waitForPort, writeConfig } from './harness.js';

const toml = (port: number, level: string, peers: string[], extra = '') =>
  `node_id = "hup"\n[network]\nbind_port = ${port}\n${extra}[resp]\nenabled = false\n[mqtt]\nbroker_address = "none"\n` +
  `[anti_entropy]\nenabled = true\ninterval_seconds = 3600\npeer_list = [${peers.map((p) => `"${p}"`).join(', ')}]\n[logging]\nlevel = "${level}"\n`;

describe('SIGHUP', () => {
  it('changes the log level and the peer list of a running node, and names what needs a restart', async () => {
    const port = await freePort();
    const file = writeConfig(toml(port, 'warn', ['127.0.0.1:1']));
    const node = spawnNode(file, port);
    try {
      await waitForPort(port);
      const client = await LineClient.open(port);
      client.send('INFO\r\n');
      expect(await client.untilEnd()).toContain('peers:127.0.0.1:1');
      expect(node.output()).not.toMatch(/"msg":"configuration reloaded"/);

      writeFileSync(file, toml(port, 'info', ['127.0.0.1:2', '127.0.0.1:3'], 'max_line_bytes = 4096\n').replace('node_id = "hup"', 'node_id = "renamed"'));
      node.kill('SIGHUP');
      const deadline = Date.now() + 10_000;
      while (!/"msg":"configuration reloaded"/.test(node.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

      // The reload is logged at info, which the old level (warn) would have hidden.
      const line = node.output().split('\n').find((l) => l.includes('"msg":"configuration reloaded"')) ?? '';
      const logged = JSON.parse(line) as { applied: string[]; restart_required: string[] };
      expect(logged.applied).toEqual(['anti_entropy.peer_list', 'logging.level', 'network.max_line_bytes']);
      expect(logged.restart_required).toEqual(['node_id']);

      client.send('INFO\r\n');
      const info = await client.untilEnd();
      expect(info).toContain('peers:127.0.0.1:2,127.0.0.1:3');
      expect(info).toContain('node_id:hup');

      // A broken file is refused and the node keeps running as it was.
      writeFileSync(file, 'node_id = \n');
      node.kill('SIGHUP');
      const until = Date.now() + 10_000;
      while (!/reload refused/.test(node.output()) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(node.output()).toMatch(/reload refused/);
      expect(await client.call('PING')).toBe('PONG');
      client.close();
    } finally {
      node.kill('SIGTERM');
      await node.exited;
    }
  }, 40_000);
});
