/**
 * Interactive mode: a `host:port> ` prompt, history kept between runs in
 * `~/.merklekv_history` (or `$MERKLEKV_HISTORY`), `help [command]`, tab
 * completion of command names. Lines are split like a shell's (quotes group
 * words). When stdin is not a TTY the lines are read and run in order with
 * no prompt, so the mode can be scripted: those lines are not written to the
 * history, and the exit code is the worst of theirs (see errors.ts).
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { createClient, exponentialBackoff } from '@merklekv/client';
import { connectOptions } from './connect-options.js';
import { prepare } from './dispatch.js';
import type { CommandIo } from './dispatch.js';
import { EXIT, describeError, exitCodeOf } from './errors.js';
import type { ExitCode } from './errors.js';
import { commandNames, sessionHelpText } from './help.js';
import type { GlobalOptions } from './options.js';
import { tokenize } from './tokenize.js';

/** History entries kept. */
const HISTORY_SIZE = 1000;

/** The prompt for a node. */
export function promptFor(host: string, port: number): string {
  return `${host}:${port}> `;
}

/** The history file: `$MERKLEKV_HISTORY`, else `~/.merklekv_history`. */
export function historyPath(env: Readonly<Record<string, string | undefined>>): string {
  const custom = env['MERKLEKV_HISTORY'];
  return custom !== undefined && custom !== '' ? custom : join(homedir(), '.merklekv_history');
}

/** Completes the command name under the cursor (the first word, or the word after `help`). */
export function complete(line: string): [string[], string] {
  const words = line.trimStart().split(/\s+/);
  const names = commandNames();
  if (words.length === 1 || (words.length === 2 && words[0]?.toLowerCase() === 'help')) {
    const word = words[words.length - 1] ?? '';
    const hits = names.filter((n) => n.startsWith(word.toLowerCase()));
    return [hits.length > 0 ? hits : names, word];
  }
  return [[], line];
}

function loadHistory(file: string): string[] {
  try {
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
    if (lines.length > HISTORY_SIZE) writeFileSync(file, `${lines.slice(-HISTORY_SIZE).join('\n')}\n`);
    return lines.slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

function saveLine(file: string, line: string): void {
  try {
    appendFileSync(file, `${line.replace(/[\r\n]+/g, ' ')}\n`);
  } catch {
    // History is a convenience: an unwritable file must not stop the session.
  }
}

/** Exit codes from best to worst: a piped session ends with the worst of its lines. */
const SEVERITY: readonly ExitCode[] = [EXIT.OK, EXIT.SERVER_ERROR, EXIT.USAGE, EXIT.UNREACHABLE];

function worse(a: ExitCode, b: ExitCode): ExitCode {
  return SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a;
}

/**
 * Runs interactive mode until EOF or `quit`. On a terminal it says first
 * whether it could connect, and resolves to 0 (3 when it could not connect);
 * piped, it resolves to the worst exit code of its lines.
 */
export async function runRepl(
  opts: GlobalOptions,
  io: CommandIo & { readonly stdin: Readable & { isTTY?: boolean }; readonly stdout: Writable },
  env: Readonly<Record<string, string | undefined>>,
): Promise<ExitCode> {
  const tty = io.stdin.isTTY === true;
  const file = historyPath(env);
  const prompt = promptFor(opts.host, opts.port);
  const rl = readline.createInterface({
    input: io.stdin,
    ...(tty ? { output: io.stdout, terminal: true, history: loadHistory(file), historySize: HISTORY_SIZE, completer: complete } : { terminal: false }),
    prompt,
  });
  const client = createClient({ ...connectOptions(opts), retry: exponentialBackoff({ maxAttempts: 3 }) });
  const showPrompt = (): void => {
    if (tty) rl.prompt();
  };
  if (tty) {
    try {
      await client.connect();
      io.stdout.write(`Connected to ${client.address} (type help, or quit to leave)\n`);
    } catch (error) {
      io.stderr.write(`merklekv-cli: ${describeError(error, client.address)}\n`);
      rl.close();
      client.destroy();
      return EXIT.UNREACHABLE;
    }
  }
  let worst: ExitCode = EXIT.OK;
  showPrompt();
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '') {
      showPrompt();
      continue;
    }
    if (tty) saveLine(file, line);
    if (line === 'quit' || line === 'exit') break;
    try {
      const [name, ...args] = tokenize(line);
      if (name?.toLowerCase() === 'help') {
        io.stdout.write(`${sessionHelpText(args[0])}\n`);
      } else if (name !== undefined) {
        const work = await prepare(name, args);
        worst = worse(worst, await work.run(client, io, opts.json));
      }
    } catch (error) {
      worst = worse(worst, exitCodeOf(error));
      io.stdout.write(`(error) ${describeError(error, client.address)}\n`);
    }
    showPrompt();
  }
  rl.close();
  client.destroy();
  return tty ? EXIT.OK : worst;
}
