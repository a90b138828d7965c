/** The `merklekv-cli` process: runs the CLI on argv and sets the exit code. */
import { isClosedPipe, run } from './cli.js';

// A reader that closes stdout early (`merklekv-cli export | head`) is not an error: stop quietly with 0.
process.stdout.on('error', (error) => {
  if (isClosedPipe(error)) process.exit(0);
  throw error;
});

process.exitCode = await run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
