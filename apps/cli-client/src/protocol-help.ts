/**
 * The thin adapter between the protocol's command table (@merklekv/protocol)
 * and the CLI's help and completion: the wire syntax, summary and access of
 * each CLI command come from the table, so they are stated once.
 */
import { COMMAND_TABLE, commandInfo, type CommandInfo } from '@merklekv/protocol';

/** The table's row for a CLI command name (case-insensitive), when it is a text-protocol command. */
export function protocolRow(name: string): (CommandInfo & { readonly text: string }) | undefined {
  const row = commandInfo(name.toUpperCase()) ?? COMMAND_TABLE.find((c) => c.textAliases?.includes(name.toUpperCase()));
  return row?.text === undefined ? undefined : (row as CommandInfo & { readonly text: string });
}

/** Every text-protocol command name and alias, lower case, in the table's order. */
export function protocolNames(): string[] {
  return COMMAND_TABLE.flatMap((c) => (c.text === undefined ? [] : [c.name, ...(c.textAliases ?? [])])).map((n) => n.toLowerCase());
}

/** What a command needs on a node with `[security]`, for help: `read role`, `cluster peer`, ... */
export function accessNote(row: CommandInfo): string {
  switch (row.access) {
    case 'open':
      return 'open before AUTH';
    case 'peer':
      return 'needs a cluster peer or the admin role';
    default:
      return `needs the ${row.access} role`;
  }
}
