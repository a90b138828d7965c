/** How many characters of a bad value an error message quotes. */
const SHOW_MAX_CHARS = 64;

/**
 * Renders a user-supplied value for an error message: control characters are
 * escaped (so a message never holds CR or LF and stays one reply line) and
 * long values are cut to {@link SHOW_MAX_CHARS} characters.
 */
export function show(text: string): string {
  const cut = text.length > SHOW_MAX_CHARS ? `${text.slice(0, SHOW_MAX_CHARS)}...` : text;
  let out = '';
  let from = 0;
  for (let i = 0; i < cut.length; i++) {
    const c = cut.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) {
      out += `${cut.slice(from, i)}\\x${c.toString(16).padStart(2, '0')}`;
      from = i + 1;
    }
  }
  return from === 0 ? cut : out + cut.slice(from);
}
