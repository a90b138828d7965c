/**
 * The config of a real lmdb node for crash tests (started with the harness's spawnNode:
 * test-support's NodeProcess, one process, so SIGKILL hits the server itself), and a pipelining writer that records which writes were
 * acknowledged and when.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { writeConfig } from '@merklekv/test-support';

/** Writes a TOML config for an lmdb node on `port` with `[storage]` lines. */
export function lmdbConfig(port: number, dataDir: string, storage: string): string {
  return writeConfig(
    `node_id = "crash-node"\n[network]\nbind_address = "127.0.0.1"\nbind_port = ${port}\n[resp]\nenabled = false\n[mqtt]\nbroker_address = "none"\n` +
      `[anti_entropy]\nenabled = false\n[storage]\nengine = "lmdb"\ndata_dir = "${dataDir}"\n${storage}\n`,
  );
}

/** One acknowledged write. */
export interface Ack {
  readonly value: string;
  /** performance.now() when the OK arrived. */
  readonly at: number;
}

/**
 * Writes unique keys `w<conn>:<seq>` over `connections` sockets, `window` requests in flight on
 * each, until stopped or the server goes away; records every acknowledged write.
 */
export class Writer {
  readonly acked = new Map<string, Ack>();
  readonly sent = new Map<string, string>();
  /** Replies received, OK or not. */
  answered = 0;
  private readonly sockets: Socket[] = [];
  private running = true;

  private constructor() {}

  static async start(port: number, connections = 4, window = 16): Promise<Writer> {
    const w = new Writer();
    for (let c = 0; c < connections; c++) w.sockets.push(await w.open(port, c, window));
    return w;
  }

  /** Stops sending and resolves when every request sent was answered (or the socket closed). */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.running = false;
    const deadline = Date.now() + timeoutMs;
    while (this.answered < this.sent.size && this.sockets.some((s) => !s.destroyed) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.running = false;
    for (const s of this.sockets) s.destroy();
  }

  private open(port: number, conn: number, window: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1' });
      const inflight: string[] = [];
      let seq = 0;
      let buffer = '';
      const sendOne = (): void => {
        const key = `w${conn}:${seq}`;
        const value = `v${seq}-${(seq * 7919) % 1000}`;
        seq++;
        this.sent.set(key, value);
        inflight.push(key);
        socket.write(`SET ${key} ${value}\r\n`);
      };
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => {
        buffer += text;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          const key = inflight.shift();
          if (key === undefined) continue;
          this.answered++;
          if (line === 'OK') this.acked.set(key, { value: this.sent.get(key) as string, at: performance.now() });
          if (this.running && !socket.destroyed) sendOne();
        }
      });
      socket.on('error', () => undefined);
      socket.once('connect', () => {
        for (let i = 0; i < window; i++) sendOne();
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }
}
