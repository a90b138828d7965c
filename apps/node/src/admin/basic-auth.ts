/**
 * HTTP basic authentication of the admin listener's status page and
 * `/cluster` against `[security]`: a configured user with the admin role and
 * its password, or the shared password (any user name, it holds the admin
 * role). Without passwords or users configured there is nothing to check.
 * Passwords are compared in constant time and never logged.
 */
import { secretEquals } from '../commands/access.js';
import type { NodeConfig } from '../config/index.js';

/** The outcome of checking a request's `Authorization` header. */
export type BasicAuthResult = { readonly ok: true; readonly user: string } | { readonly ok: false; readonly reason: 'missing' | 'invalid' };

/** Checks `Authorization` headers; undefined when `[security]` configures no passwords. */
export type BasicAuth = (header: string | undefined) => BasicAuthResult;

/** The `WWW-Authenticate` challenge of a 401. */
export const BASIC_CHALLENGE = 'Basic realm="MerkleKV admin", charset="UTF-8"';

/** Builds the checker for `security`, or undefined when no client authentication is configured. */
export function basicAuth(security: NodeConfig['security']): BasicAuth | undefined {
  const users = new Map(Object.entries(security.users));
  if (security.password === undefined && users.size === 0) return undefined;
  return (header) => {
    const credentials = parseBasic(header);
    if (credentials === undefined) return { ok: false, reason: header === undefined ? 'missing' : 'invalid' };
    const { user, password } = credentials;
    const known = users.get(user);
    if (known !== undefined) {
      const matches = secretEquals(password, known.password);
      return matches && known.role === 'admin' ? { ok: true, user } : { ok: false, reason: 'invalid' };
    }
    // Compare even without a shared password, so timing does not tell which users exist.
    const matches = secretEquals(password, security.password ?? '\0no shared password');
    return matches && security.password !== undefined ? { ok: true, user } : { ok: false, reason: 'invalid' };
  };
}

/** `Basic base64(user:password)` → its parts; undefined when the header is absent or not that. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (m === null) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
