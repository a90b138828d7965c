/**
 * Entry point of the benchmarks: `bench <kv|merkle|replication> [options]`
 * (`npx nx bench tools -- kv --connections 50`). The report goes to stdout,
 * progress and errors to stderr; the exit code is 1 on failure.
 */
import { runCli } from './cli.js';
import { BenchError } from './errors.js';

// A bench stopped by a signal exits through process.exit, so test-support's exit hook kills the
// brokers, nodes and servers it started (by default a SIGTERM would end it and orphan them).
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.once(signal, () => {
    process.stderr.write(`bench: stopped by ${signal}; stopping the servers it started\n`);
    process.exit(code);
  });
}

runCli(process.argv.slice(2)).then(
  (out) => {
    process.stdout.write(out);
  },
  (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`bench: ${e instanceof BenchError ? `[${e.code}] ` : ''}${e.message}\n`);
    process.exitCode = 1;
  },
);
