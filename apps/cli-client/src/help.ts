/** `help` and `--help` text. */
import { COMMANDS, findCommand } from './command-table.js';
import { usageError } from './errors.js';

const BULK = [
  ['import', 'FILE|- [--format jsonl|csv] [--on-error continue|stop] [--concurrency N]', 'Load JSON lines {"key":..,"value":..} or CSV key,value, pipelined.'],
  ['export', '[prefix] [--count N]', 'Write every live key (starting with prefix) as JSON lines, through SCAN.'],
] as const;

/** Names offered by tab completion: every command, alias and built-in. */
export function commandNames(): string[] {
  const names = COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
  return [...names, ...BULK.map(([n]) => n), 'help', 'quit', 'exit'].sort();
}

/** Help for one command, or the overview. */
export function helpText(command?: string): string {
  if (command !== undefined) {
    const bulk = BULK.find(([n]) => n === command.toLowerCase());
    if (bulk !== undefined) return `${bulk[0]} ${bulk[1]}\n  ${bulk[2]}`;
    const cmd = findCommand(command);
    if (cmd === undefined) throw usageError(`unknown command '${command}' (try help)`);
    const aliases = cmd.aliases === undefined ? '' : ` (alias: ${cmd.aliases.join(', ')})`;
    return `${cmd.name}${cmd.args === '' ? '' : ` ${cmd.args}`}${aliases}\n  ${cmd.summary}`;
  }
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 6) + 2;
  const lines = [
    'usage: merklekv-cli [--host H] [--port P] [--json] [--timeout MS] <command> [args...]',
    '       merklekv-cli            (no command: interactive mode)',
    '',
    '       [--tls] [--cacert FILE] [--cert FILE --key FILE] [--user U] [--password P]',
    'Defaults: --host $MERKLEKV_HOST or 127.0.0.1, --port $MERKLEKV_PORT or 7878; TLS: $MERKLEKV_TLS=1,',
    '  $MERKLEKV_CACERT, $MERKLEKV_CERT, $MERKLEKV_KEY; AUTH: $MERKLEKV_USER, $MERKLEKV_PASSWORD (keeps it out of ps).',
    'Exit codes: 0 ok, 1 the server answered ERROR, 2 usage error, 3 cannot connect or timed out.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.args}`),
    ...BULK.map(([n, a]) => `  ${n.padEnd(width)}${a}`),
    `  ${'help'.padEnd(width)}[command]`,
    '',
    'Cluster (one-shot only): cluster --admin HOST:PORT [--watch [--count N]] [--json]',
    '  Every node a node knows, from GET /cluster on its admin listener ($MERKLEKV_ADMIN); --user/--password for [security].',
  ];
  return lines.join('\n');
}
