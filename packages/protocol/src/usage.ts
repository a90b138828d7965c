import type { CommandType } from './command.js';
import { COMMAND_TABLE } from './command-table.js';

/**
 * The syntax of every text-protocol command, as error messages and
 * docs/PROTOCOL.md show it: read from the command table (command-table.ts).
 */
export const COMMAND_USAGE: Readonly<Record<CommandType, string>> = Object.fromEntries(
  COMMAND_TABLE.flatMap((c) => (c.text === undefined ? [] : [[c.name, c.text]])),
) as Record<CommandType, string>;
