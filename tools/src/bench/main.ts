/**
 * Entry point of the benchmarks: `bench <kv|merkle|replication> [options]`
 * (`npx nx bench tools -- kv --connections 50`). The report goes to stdout,
 * progress and errors to stderr; the exit code is 1 on failure.
 */
import { runCli } from './cli.js';
import { BenchError } from './errors.js';

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
