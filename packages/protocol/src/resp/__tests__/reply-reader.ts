/**
 * A minimal RESP2/RESP3 reply reader for tests: independent of the encoder,
 * written from the RESP3 specification's type table.
 */
export type Read =
  | { t: 'simple' | 'error' | 'verbatim'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'bulk'; v: Buffer }
  | { t: 'null' }
  | { t: 'double'; v: string }
  | { t: 'bool'; v: boolean }
  | { t: 'array' | 'set'; v: Read[] }
  | { t: 'map'; v: [Read, Read][] };

export function readReply(buf: Buffer): { value: Read; next: number } {
  let at = 0;
  const line = (): string => {
    const end = buf.indexOf('\r\n', at);
    if (end < 0) throw new Error(`no CRLF after offset ${at}`);
    const text = buf.toString('latin1', at + 1, end);
    at = end + 2;
    return text;
  };
  const one = (): Read => {
    const type = String.fromCharCode(buf[at] as number);
    const head = line();
    switch (type) {
      case '+':
        return { t: 'simple', v: head };
      case '-':
        return { t: 'error', v: head };
      case ':':
        return { t: 'int', v: BigInt(head) };
      case '_':
        return { t: 'null' };
      case ',':
        return { t: 'double', v: head };
      case '#':
        return { t: 'bool', v: head === 't' };
      case '$':
      case '=': {
        const n = Number(head);
        if (n < 0) return { t: 'null' };
        const body = buf.subarray(at, at + n);
        if (buf.toString('latin1', at + n, at + n + 2) !== '\r\n') throw new Error('bulk not followed by CRLF');
        at += n + 2;
        return type === '$' ? { t: 'bulk', v: Buffer.from(body) } : { t: 'verbatim', v: body.toString('utf8') };
      }
      case '*':
      case '~': {
        const n = Number(head);
        if (n < 0) return { t: 'null' };
        return { t: type === '*' ? 'array' : 'set', v: Array.from({ length: n }, one) };
      }
      case '%':
        return { t: 'map', v: Array.from({ length: Number(head) }, () => [one(), one()] as [Read, Read]) };
      default:
        throw new Error(`unknown reply type '${type}'`);
    }
  };
  const value = one();
  return { value, next: at };
}
