/**
 * A throwaway Debian `mosquitto` for the benches: a child process on a free
 * loopback port, anonymous, no persistence, unlimited in-flight and
 * queued messages; stopped by PID.
 */
import { Mosquitto } from '@merklekv/test-support';
import { BenchError, BenchErrorCode } from './errors.js';

/** A running broker. */
export interface BenchBroker {
  readonly url: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Starts mosquitto (test-support's Mosquitto) and waits until it accepts connections.
 * @throws BenchError `SERVER_START_FAILED` when it is not installed or does not open its port
 */
export async function startBenchBroker(): Promise<BenchBroker> {
  try {
    const broker = await Mosquitto.start({ extraConfig: 'max_inflight_messages 0\nmax_queued_messages 0' });
    return { url: broker.url, pid: broker.pid, stop: () => broker.stop() };
  } catch (err) {
    throw new BenchError(BenchErrorCode.SERVER_START_FAILED, `mosquitto did not start: is it installed (apt-get install mosquitto)? ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}
