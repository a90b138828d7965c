/**
 * Output formatting: the human form (values as stored for single replies,
 * one readable line per item for lists) and the `--json` form.
 */
import { encodeValue } from '@merklekv/protocol';
import type { InfoSections } from '@merklekv/client';

/** What a command printed: text for people, a JSON value for `--json`. */
export interface Output {
  readonly text: string;
  readonly json: unknown;
}

/** JSON text of `value`; a bigint becomes a JSON number with all its digits. */
export function toJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** A value on a line of its own inside a list: quoted when it would be ambiguous. */
export function listValue(value: string | null): string {
  return value === null ? '(null)' : encodeValue(value);
}

/** Numbered lines `1) ...`, or `(empty)`. */
export function numbered(items: readonly string[]): string {
  if (items.length === 0) return '(empty)';
  const width = String(items.length).length;
  return items.map((item, i) => `${String(i + 1).padStart(width)}) ${item}`).join('\n');
}

/** INFO sections as `# Section` blocks of `name:value` lines. */
export function formatInfo(info: InfoSections): string {
  return Object.entries(info)
    .map(([title, fields]) => {
      const body = Object.entries(fields).map(([k, v]) => `${k}:${v}`);
      return (title === '' ? body : [`# ${title}`, ...body]).join('\n');
    })
    .join('\n\n');
}

/** `name:value` lines. */
export function formatPairs(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}:${v}`)
    .join('\n');
}
