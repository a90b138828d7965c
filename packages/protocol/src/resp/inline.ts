/**
 * Splits an inline command line into arguments, as Redis' `sdssplitargs`
 * does: spaces and tabs separate; "double quotes" decode `\n \r \t \b \a`,
 * `\xHH` and escape any other character; 'single quotes' escape only `\'`; a
 * closing quote must be followed by a space or the end of the line.
 */

const SPACE = new Set([0x20, 0x09, 0x0b, 0x0c, 0x0d, 0x0a]);
const ESCAPES: Readonly<Record<number, number>> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x61: 0x07 };

/** The arguments of `line[start..end)`, as bytes; undefined when quotes are unbalanced. */
export function splitInline(line: Buffer, start: number, end: number): Buffer[] | undefined {
  const args: Buffer[] = [];
  let i = start;
  for (;;) {
    while (i < end && SPACE.has(line[i] as number)) i++;
    if (i >= end) return args;
    const arg: number[] = [];
    let quote = 0; // 0, or the quote character we are inside
    for (;;) {
      if (i >= end) {
        if (quote !== 0) return undefined;
        break;
      }
      const c = line[i] as number;
      if (quote !== 0) {
        const escape = c === 0x5c ? escapeAt(line, i, end, quote) : undefined;
        if (escape !== undefined) {
          arg.push(escape[0]);
          i += escape[1];
        } else if (c === quote) {
          // A closing quote must end the argument.
          if (i + 1 < end && !SPACE.has(line[i + 1] as number)) return undefined;
          quote = 0;
          i++;
          break;
        } else {
          arg.push(c);
          i++;
        }
      } else if (SPACE.has(c)) {
        break;
      } else if (c === 0x22 || c === 0x27) {
        quote = c;
        i++;
      } else {
        arg.push(c);
        i++;
      }
    }
    args.push(Buffer.from(arg));
  }
}

/**
 * The byte a backslash at `line[i]` stands for inside `quote`, and how many bytes the escape
 * takes; undefined when the backslash is a plain byte ('single quotes' escape only `\'`).
 */
function escapeAt(line: Buffer, i: number, end: number, quote: number): [number, number] | undefined {
  if (i + 1 >= end) return undefined;
  const e = line[i + 1] as number;
  if (quote === 0x27) return e === 0x27 ? [0x27, 2] : undefined;
  if (e === 0x78 && i + 3 < end && isHex(line[i + 2] as number) && isHex(line[i + 3] as number)) {
    return [parseInt(String.fromCharCode(line[i + 2] as number, line[i + 3] as number), 16), 4];
  }
  return [ESCAPES[e] ?? e, 2];
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}
