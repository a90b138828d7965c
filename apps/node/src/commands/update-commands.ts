import { encodeValue } from '@merklekv/protocol';
import { CRLF, type Handler } from './context.js';

export const incr: Handler<'INCR'> = ({ key, amount }, { store }) => `${store.incrBy(key, amount)}${CRLF}`;

export const decr: Handler<'DECR'> = ({ key, amount }, { store }) => `${store.incrBy(key, -amount)}${CRLF}`;

export const append: Handler<'APPEND'> = ({ key, value }, { store }) => encodeValue(store.append(key, value)) + CRLF;

export const prepend: Handler<'PREPEND'> = ({ key, value }, { store }) => encodeValue(store.prepend(key, value)) + CRLF;
