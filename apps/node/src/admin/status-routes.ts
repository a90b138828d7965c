/**
 * The status page routes of the admin listener: `GET /` (one self-contained
 * HTML file, `apps/node/static/status.html`, read once) and `GET /cluster`
 * (its data, JSON). Both need the admin credentials when `[security]` sets
 * passwords (HTTP basic auth); a wrong one is logged and counted.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger.js';
import type { ClusterView } from '../status/cluster-view.js';
import { BASIC_CHALLENGE, type BasicAuth } from './basic-auth.js';

/** The page, beside `src/` and `dist/` alike: both sit two levels under apps/node. */
export const STATUS_PAGE_FILE = fileURLToPath(new URL('../../static/status.html', import.meta.url));

/** What the routes need. */
export interface StatusRoutesOptions {
  readonly view: () => Promise<ClusterView>;
  /** Undefined: no credentials needed. */
  readonly auth: BasicAuth | undefined;
  readonly logger: Logger;
  /** Called on each rejected set of credentials (a metric counts them). */
  readonly onAuthFailure?: () => void;
  /** @default STATUS_PAGE_FILE */
  readonly pageFile?: string;
}

/** Serves `/` and `/cluster`; returns false for any other path. */
export function statusRoutes(opts: StatusRoutesOptions): (path: string, req: IncomingMessage, res: ServerResponse) => boolean {
  let page: Promise<string> | undefined;
  const file = opts.pageFile ?? STATUS_PAGE_FILE;
  return (path, req, res) => {
    if (path !== '/' && path !== '/cluster') return false;
    if (opts.auth !== undefined) {
      const result = opts.auth(req.headers.authorization);
      if (!result.ok) {
        if (result.reason === 'invalid') {
          opts.onAuthFailure?.();
          opts.logger.warn({ remote: req.socket.remoteAddress, path }, 'admin HTTP authentication failed: wrong user or password, or the user lacks the admin role');
        }
        res.writeHead(401, { 'www-authenticate': BASIC_CHALLENGE, 'content-type': 'text/plain' }).end('admin credentials required (a [security] user with the admin role, or the shared password)\n');
        return true;
      }
    }
    if (path === '/') {
      page ??= readFile(file, 'utf8');
      page.then(
        (html) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html),
        (err: unknown) => {
          page = undefined;
          opts.logger.error({ err, file }, 'status page file unreadable: reinstall the node app (apps/node/static/status.html)');
          res.writeHead(500, { 'content-type': 'text/plain' }).end(`status page unavailable: cannot read ${file}\n`);
        },
      );
      return true;
    }
    opts.view().then(
      (view) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${JSON.stringify(view)}\n`),
      (err: unknown) => {
        opts.logger.error({ err }, 'building the cluster view failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`cluster view failed: ${(err as Error).message}\n`);
      },
    );
    return true;
  };
}
