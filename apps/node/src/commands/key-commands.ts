import { encodeValue, isRawValueBytes, SCAN_DEFAULT_COUNT } from '@merklekv/protocol';
import { Store } from '@merklekv/storage';
import { encodeTextReply } from '../server/connection.js';
import type { ReplyBytes } from '../server/reply-bytes.js';
import { CRLF, NULL_REPLY, OK, type Handler } from './context.js';

const valueLine = (value: string | undefined): string => (value === undefined ? NULL_REPLY : encodeValue(value) + CRLF);

/** Room reserved for a value line: the longest value the store keeps as bytes (4096) and CRLF. */
const VALUE_ROOM = 4096 + 2;

/**
 * The value line of `key`, the same bytes as {@link valueLine}: a value the store holds as bytes
 * that goes out raw is copied straight into `out` (no string is made of it) and '' is returned;
 * any other value line is returned as text.
 */
function valueInto(store: Store, key: string, out: ReplyBytes): string {
  const buf = out.reserve(VALUE_ROOM);
  const at = out.end;
  const n = store.copyValue(key, buf, at);
  if (n === Store.MISSING) return NULL_REPLY;
  if (n === Store.NOT_COPIED) return valueLine(store.get(key));
  if (!isRawValueBytes(buf, at, at + n)) return valueLine(buf.toString('latin1', at, at + n));
  buf[at + n] = 0x0d;
  buf[at + n + 1] = 0x0a;
  out.end = at + n + 2;
  return '';
}

export const set: Handler<'SET'> = ({ key, value }, { store }) => {
  store.set(key, value);
  return OK;
};

export const get: Handler<'GET'> = ({ key }, { store }, out) => (out === undefined ? valueLine(store.get(key)) : valueInto(store, key, out));

export const del: Handler<'DEL'> = ({ key, keys }, { store }) => {
  if (keys === undefined) return store.delete(key) ? 'DELETED\r\n' : 'NOT_FOUND\r\n';
  // Several keys (Redis's form): how many were live; a key named twice counts once.
  let deleted = 0;
  for (const k of new Set(keys)) if (store.delete(k)) deleted += 1;
  return `${deleted}\r\n`;
};

export const exists: Handler<'EXISTS'> = ({ keys }, { store }) => {
  let n = 0;
  for (const key of keys) if (store.exists(key)) n++;
  return `${n}${CRLF}`;
};

export const mget: Handler<'MGET'> = ({ keys }, { store }, bytes) => {
  if (bytes !== undefined) {
    for (const key of keys) {
      const line = valueInto(store, key, bytes);
      if (line !== '') bytes.appendText(line, encodeTextReply);
    }
    bytes.appendText(`END${CRLF}`);
    return '';
  }
  let out = '';
  for (const key of keys) out += valueLine(store.get(key));
  return `${out}END${CRLF}`;
};

export const mset: Handler<'MSET'> = ({ entries }, { store }) => {
  store.mset(entries);
  return OK;
};

export const scan: Handler<'SCAN'> = ({ prefix, cursor, count }, { store }) => {
  const page = store.scan(prefix === '*' ? '' : prefix, cursor, count ?? SCAN_DEFAULT_COUNT);
  let out = '';
  for (const [key, value] of page.entries) out += `${key} ${encodeValue(value)}${CRLF}`;
  return `${out}${page.cursor === undefined ? 'END' : `END ${page.cursor}`}${CRLF}`;
};

export const dbsize: Handler<'DBSIZE'> = (_command, { store }) => `${store.size}${CRLF}`;
