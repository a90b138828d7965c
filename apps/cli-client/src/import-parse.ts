/**
 * Parsing of import lines. JSON lines: `{"key": "...", "value": "..."}` (a
 * number or boolean value is stored as its text).
 * CSV: `key,value` — the key is the first field, the value the rest of the
 * line; either may be a RFC 4180 quoted field (`"a ""b"", c"`). A quoted CSV
 * field cannot span lines: use JSON lines for values with newlines.
 */
import { keyProblem } from '@merklekv/protocol';

/** The formats `import` reads. */
export type ImportFormat = 'jsonl' | 'csv';

/** A parsed line: an entry, a line to skip (blank, CSV header), or why it is bad. */
export type ParsedLine = { readonly key: string; readonly value: string } | { readonly skip: true } | { readonly error: string };

/** Picks the format from the file name, else from the first non-blank line. */
export function detectFormat(file: string, firstLine: string | undefined): ImportFormat {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(jsonl|ndjson|json)$/i.test(file)) return 'jsonl';
  return firstLine !== undefined && firstLine.trimStart().startsWith('{') ? 'jsonl' : 'csv';
}

/** Why `key` cannot be stored: the protocol's own rule (`keyProblem`), so the import refuses exactly what a node would. */
function checkKey(key: string): string | undefined {
  const problem = keyProblem(key);
  return problem === undefined ? undefined : `the key ${problem}`;
}

/** Parses one JSON line. */
export function parseJsonLine(line: string): ParsedLine {
  if (line.trim() === '') return { skip: true };
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch (error) {
    return { error: `not JSON (${(error as Error).message})` };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { error: 'expected an object {"key":..,"value":..}' };
  const { key, value } = doc as Record<string, unknown>;
  if (typeof key !== 'string') return { error: '"key" must be a string' };
  // A number or boolean is stored as its JSON text ({"value": 42} stores "42"), as a value in a CSV line would be.
  if (typeof value === 'number' || typeof value === 'boolean') {
    const bad = checkKey(key);
    return bad === undefined ? { key, value: JSON.stringify(value) } : { error: bad };
  }
  if (typeof value !== 'string') return { error: '"value" must be a string, a number or a boolean' };
  const bad = checkKey(key);
  return bad === undefined ? { key, value } : { error: bad };
}

/** Reads a quoted CSV field starting at `text[0]`; returns it and the rest after the closing quote. */
function quotedField(text: string): { field: string; rest: string } | undefined {
  let field = '';
  let i = 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      if (text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      return { field, rest: text.slice(i + 1) };
    }
    field += ch;
    i++;
  }
  return undefined;
}

/** Parses one CSV line; `lineNo` 1 may be the header `key,value`. */
export function parseCsvLine(line: string, lineNo: number): ParsedLine {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text.trim() === '') return { skip: true };
  if (lineNo === 1 && text.trim().toLowerCase() === 'key,value') return { skip: true };
  let key: string;
  let after: string;
  if (text.startsWith('"')) {
    const q = quotedField(text);
    if (q === undefined) return { error: 'unterminated quoted key' };
    if (!q.rest.startsWith(',')) return { error: 'expected a comma after the quoted key' };
    key = q.field;
    after = q.rest.slice(1);
  } else {
    const comma = text.indexOf(',');
    if (comma < 0) return { error: 'expected key,value' };
    key = text.slice(0, comma);
    after = text.slice(comma + 1);
  }
  let value = after;
  if (after.startsWith('"')) {
    const q = quotedField(after);
    if (q === undefined) return { error: 'unterminated quoted value' };
    if (q.rest !== '') return { error: 'text after the quoted value' };
    value = q.field;
  }
  const bad = checkKey(key);
  return bad === undefined ? { key, value } : { error: bad };
}
