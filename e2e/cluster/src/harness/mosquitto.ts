import { existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { E2eError } from './errors.js';
import { ManagedProcess } from './managed-process.js';
import { waitFor } from './wait.js';

/** Where Debian installs the broker. */
export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

/** True when Debian's mosquitto is installed. */
export function mosquittoInstalled(): boolean {
  return existsSync(MOSQUITTO_BIN);
}

/** Resolves true when something accepts TCP connections on the port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A real mosquitto broker as a child process on a fixed loopback port (kept across restarts). */
export class MosquittoBroker {
  private readonly process: ManagedProcess;

  /**
   * @param config the whole configuration file (it must listen on `port`); by default a
   *   plain anonymous listener. `name` names its files in `dir` (`NAME.conf`, `NAME.log`).
   */
  constructor(
    readonly port: number,
    dir: string,
    config?: string,
    name = 'mosquitto',
  ) {
    const conf = join(dir, `${name}.conf`);
    writeFileSync(
      conf,
      config ??
        [
          `listener ${port} 127.0.0.1`,
          'allow_anonymous true',
          'persistence false',
          'log_dest stdout',
          'log_type error',
          'log_type warning',
          'log_type notice',
          'log_type information',
          'connection_messages true',
          '',
        ].join('\n'),
    );
    this.process = new ManagedProcess({ command: MOSQUITTO_BIN, args: ['-c', conf], cwd: dir, logFile: join(dir, `${name}.log`) });
  }

  get running(): boolean {
    return this.process.running;
  }

  /** Starts (or restarts) the broker and waits until it accepts connections. */
  async start(): Promise<void> {
    this.process.spawn();
    const exited = this.process.waitExit().then(() => 'exited' as const);
    await waitFor(
      `mosquitto on port ${this.port}`,
      async () => {
        if (!this.process.running) throw new E2eError('START_FAILED', `mosquitto exited: ${String(await exited)}`);
        return (await portOpen(this.port)) ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  }

  /** kill -9. */
  kill9(): Promise<void> {
    return this.process.kill9();
  }

  async stop(): Promise<void> {
    await this.process.stop(3000);
    await this.process.closeLog();
  }
}
