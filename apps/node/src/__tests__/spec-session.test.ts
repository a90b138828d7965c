import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, LineClient, REPO_ROOT, waitForPort, writeConfig } from './harness.js';

// SPEC.md's "Interactive Session Example", line by line, against a node started
// the way a user starts one: `npx nx serve node --config=FILE`.
const SESSION: ReadonlyArray<readonly [string, string | RegExp]> = [
  ['SET user:alice Alice Smith', 'OK'],
  ['SET user:bob Bob Johnson  ', 'OK'],
  ['SET counter:views 1500', 'OK'],
  ['GET user:alice', 'Alice Smith'],
  ['GET counter:views', '1500'],
  ['INCR counter:views', '1501'],
  ['INCR counter:views 10', '1511'],
  ['DECR counter:views 5', '1506'],
  ['SET greeting Hello', 'OK'],
  ['APPEND greeting " World!"', 'Hello World!'],
  ['PREPEND greeting "Hi, "', 'Hi, Hello World!'],
  ['VERSION', 'MerkleKV 1.0.0'],
];
const AFTER_INFO: ReadonlyArray<readonly [string, string]> = [
  ['SET counter:views 2000', 'OK'],
  ['GET counter:views', '2000'],
  ['DEL user:bob', 'DELETED'],
  ['GET user:bob', '(null)'],
];

describe("SPEC.md's interactive session", () => {
  const port = { value: 0 };
  let stop: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    port.value = await freePort();
    const file = writeConfig(
      `node_id = "node-alpha"\n[network]\nbind_address = "127.0.0.1"\nbind_port = ${port.value}\n[resp]\nenabled = false\n[mqtt]\nbroker_address = "none"\n[anti_entropy]\nenabled = false\n[logging]\nlevel = "warn"\n`,
    );
    const child = spawn(join(REPO_ROOT, 'node_modules/.bin/nx'), ['serve', 'node', `--config=${file}`, '--outputStyle=stream'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' },
      stdio: 'ignore',
      detached: true,
    });
    const exited = new Promise((r) => child.once('exit', r));
    stop = async () => {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGTERM');
      await exited;
    };
    await waitForPort(port.value, 60_000);
  }, 70_000);

  afterAll(() => stop(), 20_000);

  it('gets exactly the replies SPEC.md prints', async () => {
    const client = await LineClient.open(port.value, 'localhost');
    for (const [command, reply] of SESSION) expect([command, await client.call(command)]).toEqual([command, reply]);

    client.send('INFO\r\n');
    const info = await client.untilEnd();
    expect(info.slice(0, 6).map((l) => l.replace(/:\d+$/, ':N'))).toEqual([
      '# Server Information',
      'version:1.0.0',
      'uptime_seconds:N',
      'node_id:node-alpha',
      'memory_usage_mb:N',
      'total_keys:N',
    ]);
    expect(info).toContain('total_keys:4');
    expect(info.at(-1)).toBe('END');

    for (const [command, reply] of AFTER_INFO) expect([command, await client.call(command)]).toEqual([command, reply]);
    client.close();
  });
});
