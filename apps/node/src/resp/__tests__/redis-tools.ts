/** Runs Debian's redis-tools (redis-cli, redis-benchmark) against a port, as a user would. */
import { execFile } from 'node:child_process';

export interface ToolResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/** Runs a program to completion (bounded by `timeoutMs`), with optional stdin. */
export function run(file: string, args: readonly string[], input?: string | Buffer, timeoutMs = 60_000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1;
      if (err !== null && code === -1) return reject(err);
      resolve({ stdout, stderr, code });
    });
    child.stdin?.end(input);
  });
}

/**
 * One redis-cli invocation: `redis-cli -p port --no-raw ...args`, output
 * formatted as in a terminal (`(nil)`, `(integer) 1`, `(error) ...`), trimmed.
 */
export async function redisCli(port: number, args: readonly string[], options: readonly string[] = []): Promise<string> {
  const result = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--no-raw', ...options, ...args]);
  return result.stdout.trimEnd();
}

/** Several commands in one redis-cli connection, one per line on stdin; the output lines. */
export async function redisCliSession(port: number, lines: readonly string[], options: readonly string[] = []): Promise<string[]> {
  const result = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--no-raw', ...options], `${lines.join('\n')}\n`);
  return result.stdout.trimEnd().split('\n');
}
