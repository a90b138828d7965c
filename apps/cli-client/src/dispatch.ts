/**
 * Turns a command name and its arguments into work: validates them first
 * (usage errors never need a connection), then runs the command and prints
 * its output. Shared by one-shot and interactive mode.
 */
import { stat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import type { MerkleKVClient } from '@merklekv/client';
import { checkArgs, findCommand } from './command-table.js';
import { EXIT, usageError } from './errors.js';
import type { ExitCode } from './errors.js';
import { parseExportArgs, runExport } from './export.js';
import { toJson } from './format.js';
import { helpText } from './help.js';
import { parseImportArgs, runImport } from './import.js';
import type { ProgressSink } from './progress.js';

/** The streams a command may use. */
export interface CommandIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable & ProgressSink;
}

/** Validated work: run it with a client (or without one, for `help`). */
export interface Prepared {
  readonly needsClient: boolean;
  run(client: MerkleKVClient | undefined, io: CommandIo, json: boolean): Promise<ExitCode>;
}

function print(io: CommandIo, text: string): void {
  io.stdout.write(`${text}\n`);
}

function required(client: MerkleKVClient | undefined): MerkleKVClient {
  if (client === undefined) throw new Error('a client is required');
  return client;
}

/**
 * Validates `name args...`.
 * @throws CliError (USAGE) on an unknown command or bad arguments
 */
export async function prepare(name: string, args: readonly string[]): Promise<Prepared> {
  const lower = name.toLowerCase();
  if (lower === 'help') {
    const text = helpText(args[0]);
    return { needsClient: false, run: async (_c, io) => (print(io, text), EXIT.OK) };
  }
  if (lower === 'import') {
    const opts = parseImportArgs(args);
    if (opts.file !== '-') {
      try {
        await stat(opts.file);
      } catch (error) {
        throw usageError(`cannot read ${opts.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
    }
    return { needsClient: true, run: (c, io, json) => runImport(required(c), opts, io, json) };
  }
  if (lower === 'export') {
    const opts = parseExportArgs(args);
    return {
      needsClient: true,
      run: async (c, io) => {
        await runExport(required(c), opts, io.stdout);
        return EXIT.OK;
      },
    };
  }
  const cmd = findCommand(lower);
  if (cmd === undefined) throw usageError(`unknown command '${name}' (try help)`);
  checkArgs(cmd, args);
  return {
    needsClient: true,
    run: async (c, io, json) => {
      const out = await cmd.run(required(c), args);
      print(io, json ? toJson(out.json) : out.text);
      return EXIT.OK;
    },
  };
}
