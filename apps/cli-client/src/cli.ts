/**
 * The CLI entry as a function: parses argv, runs one command (or interactive
 * mode) and resolves to the exit code; errors go to stderr as one line.
 */
import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { createClient, noRetry } from '@merklekv/client';
import { connectOptions } from './connect-options.js';
import { clusterCommand } from './cluster.js';
import { prepare } from './dispatch.js';
import { EXIT, describeError, exitCodeOf } from './errors.js';
import type { ExitCode } from './errors.js';
import { helpText } from './help.js';
import { parseGlobalOptions } from './options.js';
import { runRepl } from './repl.js';

/** The process pieces the CLI touches. */
export interface CliIo {
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean; columns?: number };
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The CLI's version, from its package.json. */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** A write to a pipe whose reader has gone (EPIPE). */
export function isClosedPipe(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'EPIPE';
}

/** Runs `merklekv-cli argv...`. */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const fail = (error: unknown, address: string): ExitCode => {
    // stdout closed by its reader (`| head`): the reader has what it wanted; end quietly, like every Unix tool.
    if (isClosedPipe(error)) return EXIT.OK;
    io.stderr.write(`merklekv-cli: ${describeError(error, address).replace(/[\r\n]+/g, ' ')}\n`);
    return exitCodeOf(error);
  };
  let opts;
  try {
    opts = parseGlobalOptions(argv, io.env);
  } catch (error) {
    return fail(error, '');
  }
  const address = `${opts.host}:${opts.port}`;
  if (opts.help) {
    io.stdout.write(`${helpText()}\n`);
    return EXIT.OK;
  }
  if (opts.version) {
    io.stdout.write(`merklekv-cli ${cliVersion()}\n`);
    return EXIT.OK;
  }
  if (opts.command?.toLowerCase() === 'cluster') return clusterCommand(opts, io);
  if (opts.command === undefined) {
    try {
      connectOptions(opts); // an unreadable PEM file is reported before the prompt
    } catch (error) {
      return fail(error, address);
    }
    return runRepl(opts, io, io.env);
  }
  let work;
  try {
    work = await prepare(opts.command, opts.args);
  } catch (error) {
    return fail(error, address);
  }
  if (!work.needsClient) return work.run(undefined, io, opts.json);
  let client;
  try {
    client = createClient({ ...connectOptions(opts), retry: noRetry });
  } catch (error) {
    return fail(error, address);
  }
  try {
    const code = await work.run(client, io, opts.json);
    await client.close();
    return code;
  } catch (error) {
    client.destroy();
    return fail(error, address);
  }
}
