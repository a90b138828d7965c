/**
 * Keeps docs/PROTOCOL.md exact: every example request (`> line`) parses, and
 * where its reply is an error the parser produces, the message is the one shown.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMMAND_TABLE } from './command-table.js';
import { ProtocolError } from './errors.js';
import { parseCommandLine } from './parse-command.js';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/PROTOCOL.md', import.meta.url)), 'utf8');

/** Pairs of (request, first reply line) from the doc's examples. */
function examples(): [string, string][] {
  const lines = doc.split('\n');
  const pairs: [string, string][] = [];
  lines.forEach((line, i) => {
    const next = lines[i + 1];
    if (line.startsWith('> ') && next?.startsWith('< ')) pairs.push([line.slice(2), next.slice(2)]);
  });
  return pairs;
}

describe('docs/PROTOCOL.md examples', () => {
  const pairs = examples();

  it('has examples', () => {
    expect(pairs.length).toBeGreaterThan(40);
  });

  const lines = doc.split('\n');
  const headings = lines.filter((line) => line.startsWith('### '));
  const summaryRows = lines.filter((line) => line.startsWith('| `'));
  it.each(COMMAND_TABLE.filter((c) => c.text !== undefined).map((c) => [c.name, c.text as string]))(
    '%s is in the summary table and under a heading or in the text, as the command table names it',
    (name, syntax) => {
      // The summary table names the command by its syntax (arguments may be abbreviated there).
      expect(summaryRows.some((row) => row.includes(`\`${name} `) || row.includes(`\`${name}\``))).toBe(true);
      const documented = headings.some((h) => h.slice(4).split(' / ').some((part) => part === syntax || part.startsWith(`${name} `) || part === name));
      expect(documented || doc.includes(`\`${name} `)).toBe(true);
    },
  );

  it.each(pairs)('%s', (request, reply) => {
    let error: unknown;
    try {
      parseCommandLine(request);
    } catch (err) {
      error = err;
    }
    if (error === undefined) return; // valid request: the reply is the server's business
    expect(error).toBeInstanceOf(ProtocolError);
    expect(`ERROR: ${(error as ProtocolError).message}`).toBe(reply);
  });
});
