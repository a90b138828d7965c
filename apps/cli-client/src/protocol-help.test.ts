import { COMMAND_TABLE } from '@merklekv/protocol';
import { findCommand } from './command-table.js';
import { commandNames, helpText } from './help.js';
import { protocolNames, protocolRow } from './protocol-help.js';

describe('help and completion read the protocol command table', () => {
  it("shows each wire command's syntax, access and summary from the table", () => {
    expect(helpText('get')).toContain('Sends: GET key (needs the read role). The value of a key, or nil.');
    expect(helpText('flush')).toContain('Sends: FLUSH (needs the admin role).');
    expect(helpText('putv')).toContain('(needs a cluster peer or the admin role)');
    expect(helpText('ping')).toContain('(open before AUTH)');
    expect(helpText('delete')).toContain('Sends: DEL key');
  });

  it('completes every text-protocol command the CLI runs, and nothing it cannot run', () => {
    const names = commandNames();
    for (const name of protocolNames()) expect(names.includes(name)).toBe(findCommand(name) !== undefined);
    expect(names).toEqual(expect.arrayContaining(['get', 'set', 'delete', 'import', 'export', 'help']));
    expect(protocolRow('nosuch')).toBeUndefined();
    expect(protocolNames().length).toBe(COMMAND_TABLE.filter((c) => c.text !== undefined).reduce((n, c) => n + 1 + (c.textAliases?.length ?? 0), 0));
  });
});
