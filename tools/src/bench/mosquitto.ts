/**
 * A throwaway Debian `mosquitto` for the benches: a child process on a free
 * loopback port, anonymous, no persistence, no log, unlimited in-flight and
 * queued messages; stopped by PID.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchError, BenchErrorCode } from './errors.js';
import { freePort } from './servers.js';

/** A running broker. */
export interface BenchBroker {
  readonly url: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts mosquitto and waits until it accepts connections.
 * @throws BenchError `SERVER_START_FAILED` when it is not installed or does not open its port within 5 s
 */
export async function startMosquitto(): Promise<BenchBroker> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\nmax_inflight_messages 0\nmax_queued_messages 0\n`);
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  child.once('error', () => undefined);
  const up = async (): Promise<boolean> =>
    new Promise((resolve) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
  const deadline = Date.now() + 5000;
  while (!(await up())) {
    if (Date.now() > deadline || child.exitCode !== null || child.pid === undefined) {
      if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new BenchError(BenchErrorCode.SERVER_START_FAILED, 'mosquitto did not start: is it installed (apt-get install mosquitto)?');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.pid !== undefined) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        process.kill(child.pid, 'SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
