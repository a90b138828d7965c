/**
 * `import FILE|-`: reads JSON lines or CSV and SETs every entry, keeping up
 * to `--concurrency` requests in flight on one connection. A bad line (or an
 * ERROR reply) is reported with its line number; `--on-error stop` ends the
 * import there, `continue` (the default) goes on. Exit 1 if any line failed.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { ServerError } from '@merklekv/client';
import type { MerkleKVClient } from '@merklekv/client';
import { EXIT, describeError, usageError } from './errors.js';
import type { ExitCode } from './errors.js';
import { toJson } from './format.js';
import { detectFormat, parseCsvLine, parseJsonLine } from './import-parse.js';
import type { ImportFormat, ParsedLine } from './import-parse.js';
import { ProgressBar } from './progress.js';
import type { ProgressSink } from './progress.js';

/** Options of `import`. */
export interface ImportOptions {
  readonly file: string;
  readonly format: ImportFormat | undefined;
  readonly onError: 'continue' | 'stop';
  /** Requests kept in flight (more lets the node batch its replies). @default 2048 */
  readonly concurrency: number;
}

/** Streams `import` uses. */
export interface ImportIo {
  readonly stdin: Readable;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: ProgressSink;
}

/** @throws CliError (USAGE) */
export function parseImportArgs(args: readonly string[]): ImportOptions {
  let file: string | undefined;
  let format: ImportFormat | undefined;
  let onError: 'continue' | 'stop' = 'continue';
  let concurrency = 2048;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const next = (): string => {
      if (eq > 0 && a.startsWith('--')) return a.slice(eq + 1);
      i += 1;
      const v = args[i];
      if (v === undefined) throw usageError(`${name} needs a value`);
      return v;
    };
    if (name === '--format') {
      const f = next();
      if (f !== 'jsonl' && f !== 'csv') throw usageError(`--format must be jsonl or csv, got '${f}'`);
      format = f;
    } else if (name === '--on-error') {
      const v = next();
      if (v !== 'continue' && v !== 'stop') throw usageError(`--on-error must be continue or stop, got '${v}'`);
      onError = v;
    } else if (name === '--concurrency') {
      const v = next();
      if (!/^\d+$/.test(v) || Number(v) < 1) throw usageError(`--concurrency must be a positive integer, got '${v}'`);
      concurrency = Number(v);
    } else if (a.startsWith('--')) {
      throw usageError(`import: unknown option '${a}'`);
    } else if (file === undefined) {
      file = a;
    } else {
      throw usageError('usage: import FILE|- [--format jsonl|csv] [--on-error continue|stop] [--concurrency N]');
    }
  }
  if (file === undefined) throw usageError('usage: import FILE|- [--format jsonl|csv] [--on-error continue|stop] [--concurrency N]');
  return { file, format, onError, concurrency };
}

/** Opens the input; checked before connecting so a missing file is a usage error. */
export async function openInput(file: string, stdin: Readable): Promise<{ stream: Readable; size: number | undefined }> {
  if (file === '-') return { stream: stdin, size: undefined };
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return { stream: createReadStream(file), size };
}

/**
 * The input's lines, a chunk's worth at a time (CR LF or LF; the last line
 * may lack its newline). Awaiting once per chunk rather than once per line
 * keeps the importer's own cost per key small.
 */
async function* lineBatches(stream: Readable): AsyncGenerator<string[]> {
  stream.setEncoding('utf8');
  let rest = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    yield lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }
  if (rest !== '') yield [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
}

/** Runs an import; resolves to the exit code. Connection failures reject (exit 3). */
export async function runImport(client: MerkleKVClient, opts: ImportOptions, io: ImportIo, json: boolean): Promise<ExitCode> {
  const input = await openInput(opts.file, io.stdin);
  const progress = new ProgressBar(io.stderr);
  const started = performance.now();
  let format = opts.format;
  let lineNo = 0;
  let imported = 0;
  let failed = 0;
  let inflight = 0;
  // Bytes of the lines taken so far (the stream itself reads ahead), for the bar's share done.
  let consumed = 0;
  let stopped = false;
  let fatal: unknown;
  let wake: (() => void) | undefined;
  const slot = (): Promise<void> => new Promise<void>((resolve) => (wake = resolve));
  const report = (n: number, why: string): void => {
    failed += 1;
    io.stderr.write(`line ${n}: ${why}\n`);
    if (opts.onError === 'stop') stopped = true;
  };
  const fraction = (): number | undefined => (input.size === undefined || input.size === 0 ? undefined : consumed / input.size);

  const settle = (): void => {
    inflight -= 1;
    progress.update(imported, fraction());
    const w = wake;
    wake = undefined;
    w?.();
  };
  reading: for await (const batch of lineBatches(input.stream)) {
    for (const line of batch) {
      lineNo += 1;
      consumed += Buffer.byteLength(line) + 1;
      if (stopped || fatal !== undefined) break reading;
      if (format === undefined && line.trim() !== '') format = detectFormat(opts.file, line);
      const parsed: ParsedLine = format === 'csv' ? parseCsvLine(line, lineNo) : parseJsonLine(line);
      if ('skip' in parsed) continue;
      if ('error' in parsed) {
        report(lineNo, parsed.error);
        continue;
      }
      while (inflight >= opts.concurrency) await slot();
      if (stopped || fatal !== undefined) break reading;
      inflight += 1;
      const n = lineNo;
      client.set(parsed.key, parsed.value).then(
        () => {
          imported += 1;
          settle();
        },
        (error: unknown) => {
          if (error instanceof ServerError) report(n, describeError(error, client.address));
          else fatal ??= error;
          settle();
        },
      );
    }
  }
  input.stream.destroy();
  while (inflight > 0) await slot();
  progress.done();
  if (fatal !== undefined) throw fatal;
  const seconds = (performance.now() - started) / 1000;
  const rate = seconds > 0 ? Math.round(imported / seconds) : imported;
  const summary = json
    ? toJson({ imported, failed, seconds: Number(seconds.toFixed(3)), keysPerSecond: rate, stopped })
    : `imported ${imported} keys in ${seconds.toFixed(2)} s (${rate} keys/s), ${failed} failed${stopped ? ', stopped at the first error' : ''}`;
  io.stdout.write(`${summary}\n`);
  return failed > 0 ? EXIT.SERVER_ERROR : EXIT.OK;
}
