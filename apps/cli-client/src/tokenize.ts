/**
 * Splits an interactive line into arguments the way a shell would, so that
 * `set greeting "Hello World"` and `set greeting Hello World` agree:
 * whitespace separates, `"..."` groups (with `\"`, `\\`, `\n`, `\t`, `\r`
 * escapes), `'...'` groups literally.
 */
import { usageError } from './errors.js';

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '0': '\0' };

/** @throws CliError (USAGE) on an unterminated quote */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let inToken = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i] ?? '';
    if (ch === ' ' || ch === '\t') {
      if (inToken) out.push(current);
      current = '';
      inToken = false;
      i++;
    } else if (ch === '"') {
      inToken = true;
      i++;
      for (;;) {
        if (i >= line.length) throw usageError('unterminated "quote"');
        const c = line[i] ?? '';
        if (c === '"') break;
        if (c === '\\' && i + 1 < line.length) {
          const e = line[i + 1] ?? '';
          current += ESCAPES[e] ?? `\\${e}`;
          i += 2;
        } else {
          current += c;
          i++;
        }
      }
      i++;
    } else if (ch === "'") {
      inToken = true;
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw usageError("unterminated 'quote'");
      current += line.slice(i + 1, end);
      i = end + 1;
    } else {
      inToken = true;
      current += ch;
      i++;
    }
  }
  if (inToken) out.push(current);
  return out;
}
