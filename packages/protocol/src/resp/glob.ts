/**
 * Redis' glob patterns (KEYS, SCAN MATCH, CONFIG GET): `*` any run, `?` one
 * character, `[abc]` `[^a]` `[a-z]` a class, `\x` the character x itself.
 */

/** A matcher for `pattern`, and the literal prefix every match starts with (for a prefix scan). */
export interface Glob {
  readonly prefix: string;
  readonly matches: (text: string) => boolean;
}

const SPECIAL = /[\\^$.|?*+()[\]{}]/g;

/** Compiles a pattern once; matching is then a regular-expression test. */
export function compileGlob(pattern: string): Glob {
  let source = '';
  let prefix = '';
  let literal = true;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') {
      source += '[\\s\\S]*';
      literal = false;
    } else if (c === '?') {
      source += '[\\s\\S]';
      literal = false;
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        source += '\\[';
        if (literal) prefix += c;
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      source += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      literal = false;
      i = close;
    } else if (c === '\\' && i + 1 < pattern.length) {
      const next = pattern[++i] as string;
      source += next.replace(SPECIAL, '\\$&');
      if (literal) prefix += next;
    } else {
      source += c.replace(SPECIAL, '\\$&');
      if (literal) prefix += c;
    }
  }
  const re = new RegExp(`^${source}$`, 'u');
  return { prefix, matches: (text) => re.test(text) };
}
