/**
 * The fault proxy as a process, for tools outside the e2e suite (the
 * anti-entropy benchmark adds latency with it):
 * `tsx e2e/cluster/src/harness/fault-proxy-main.ts <targetPort> <delayMs>`.
 * Prints `PORT <listenPort>` on stdout once listening; runs until SIGTERM or SIGINT.
 */
import { FaultProxy } from './fault-proxy.js';

const [target, delay] = process.argv.slice(2).map(Number);
if (!Number.isInteger(target) || !Number.isInteger(delay) || (target as number) < 1 || (delay as number) < 0) {
  process.stderr.write('usage: fault-proxy-main <targetPort> <delayMs>\n');
  process.exit(2);
}
const proxy = await FaultProxy.start({ name: `proxy->${target}`, targetPort: target as number });
if ((delay as number) > 0) proxy.delay(delay as number);
process.stdout.write(`PORT ${proxy.port}\n`);
const stop = (): void => {
  void proxy.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
