/** `help` and `--help` text. */
import { COMMANDS, findCommand } from './command-table.js';
import { usageError } from './errors.js';
import { accessNote, protocolNames, protocolRow } from './protocol-help.js';

const BULK = [
  ['import', 'FILE|- [--format jsonl|csv] [--on-error continue|stop] [--concurrency N]', 'Load JSON lines {"key":..,"value":..} or CSV key,value, pipelined.'],
  ['export', '[prefix] [--count N] [--page-size N]', 'Write the live keys (starting with prefix; at most N with --count) as JSON lines, through SCAN.'],
] as const;

/** Names offered by tab completion: the protocol table's commands the CLI runs, its other commands, and built-ins. */
export function commandNames(): string[] {
  const wire = protocolNames().filter((n) => findCommand(n) !== undefined);
  const own = COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]).filter((n) => protocolRow(n) === undefined);
  return [...new Set([...wire, ...own, ...BULK.map(([n]) => n), 'help', 'quit', 'exit'])].sort();
}

/** Help for one command, or the overview. */
export function helpText(command?: string): string {
  if (command !== undefined) {
    const bulk = BULK.find(([n]) => n === command.toLowerCase());
    if (bulk !== undefined) return `${bulk[0]} ${bulk[1]}\n  ${bulk[2]}`;
    const cmd = findCommand(command);
    if (cmd === undefined) throw usageError(`unknown command '${command}' (try help)`);
    const aliases = cmd.aliases === undefined ? '' : ` (alias: ${cmd.aliases.join(', ')})`;
    const row = protocolRow(cmd.name);
    const wire = row === undefined ? '' : `\n  Sends: ${row.text} (${accessNote(row)}). ${row.summary}`;
    return `${cmd.name}${cmd.args === '' ? '' : ` ${cmd.args}`}${aliases}\n  ${cmd.summary}${wire}`;
  }
  return [
    'usage: merklekv-cli [options] <command> [args...]',
    '       merklekv-cli [options]             (no command: interactive mode)',
    '',
    'Options (before the command):',
    ...OPTIONS.map(([flags, what]) => `  ${flags.padEnd(OPTION_WIDTH)}${what}`),
    '',
    'Environment: MERKLEKV_HOST, MERKLEKV_PORT, MERKLEKV_TLS=1, MERKLEKV_CACERT, MERKLEKV_CERT,',
    '  MERKLEKV_KEY, MERKLEKV_USER, MERKLEKV_PASSWORD (keeps the password out of ps).',
    'Exit codes: 0 ok, 1 the server answered ERROR, 2 usage error, 3 cannot connect or timed out',
    '  (piped into interactive mode: the worst of its lines).',
    '',
    commandList(),
    '',
    'Cluster (one-shot only): cluster --admin HOST:PORT [--watch [--count N]] [--json]',
    '  Every node a node knows, from GET /cluster on its admin listener ($MERKLEKV_ADMIN); --user/--password for [security].',
  ].join('\n');
}

/** `help` inside interactive mode: the commands and how to leave; no command-line options or exit codes. */
export function sessionHelpText(command?: string): string {
  if (command !== undefined) return helpText(command);
  return [commandList(), `  ${'quit'.padEnd(commandWidth())}leave (also exit, or Ctrl-D)`, '', 'help <command> shows one command.'].join('\n');
}

const OPTIONS: ReadonlyArray<readonly [string, string]> = [
  ['-h, --host HOST', 'node to connect to (default $MERKLEKV_HOST or 127.0.0.1)'],
  ['-p, --port PORT', 'its client port (default $MERKLEKV_PORT or 7878)'],
  ['--json', 'print replies as JSON'],
  ['--timeout MS', 'reply timeout (default 10000)'],
  ['--tls', 'connect with TLS'],
  ['--cacert FILE', "PEM CA bundle that signed the node's certificate (implies --tls)"],
  ['--cert FILE --key FILE', 'client certificate and its key (implies --tls)'],
  ['--user USER', 'AUTH as this user (with --password)'],
  ['--password PASSWORD', 'AUTH with this password (or $MERKLEKV_PASSWORD)'],
  ['--help', 'this help (also -h alone)'],
  ['--version', "the CLI's version"],
];
const OPTION_WIDTH = Math.max(...OPTIONS.map(([flags]) => flags.length)) + 2;

function commandWidth(): number {
  return Math.max(...COMMANDS.map((c) => c.name.length), 6) + 2;
}

function commandList(): string {
  const width = commandWidth();
  const lines = [
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.args}`),
    ...BULK.map(([n, a]) => `  ${n.padEnd(width)}${a}`),
    `  ${'help'.padEnd(width)}[command]`,
  ];
  return lines.map((line) => line.trimEnd()).join('\n');
}
