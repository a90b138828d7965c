/** The protocol version, as `VERSION` reports it (`MerkleKV 1.0.0`). */
export const PROTOCOL_VERSION = '1.0.0';

/** The longest key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

/** The default longest request line, in bytes, without its line ending (1 MiB). */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/**
 * The default longest reply line a {@link LineReader} accepts (16 MiB): a
 * 1 MiB value written quoted can take up to four bytes per input byte.
 */
export const DEFAULT_MAX_REPLY_LINE_BYTES = 16 * 1024 * 1024;

/** SCAN's page size when COUNT is not given. */
export const SCAN_DEFAULT_COUNT = 100;

/** The largest COUNT SCAN accepts. */
export const SCAN_MAX_COUNT = 1000;

/** Keys that would be mistaken for reply framing in multi-line replies. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['END', 'ERROR:']);
