import { encodeValue, SCAN_DEFAULT_COUNT } from '@merklekv/protocol';
import { CRLF, NULL_REPLY, OK, type Handler } from './context.js';

const valueLine = (value: string | undefined): string => (value === undefined ? NULL_REPLY : encodeValue(value) + CRLF);

export const set: Handler<'SET'> = ({ key, value }, { store }) => {
  store.set(key, value);
  return OK;
};

export const get: Handler<'GET'> = ({ key }, { store }) => valueLine(store.get(key));

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

export const mget: Handler<'MGET'> = ({ keys }, { store }) => {
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
