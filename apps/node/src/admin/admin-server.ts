import { createServer, type Server } from 'node:http';
import type { Logger } from '../logger.js';
import type { ReloadReport } from '../reload.js';
import type { NodeMetrics } from './metrics.js';
import type { statusRoutes } from './status-routes.js';

export interface AdminServerOptions {
  readonly host: string;
  readonly port: number;
  readonly metrics: NodeMetrics;
  /** Listening, and connected to the broker where replication is on. */
  readonly ready: () => boolean;
  /** Re-reads the configuration; throws when it is invalid. */
  readonly reload: () => ReloadReport;
  readonly logger: Logger;
  /** `GET /` (the status page) and `GET /cluster`. @default not served */
  readonly status?: ReturnType<typeof statusRoutes>;
}

/**
 * The admin HTTP listener: `GET /metrics` (Prometheus text format), `GET /health`
 * (the process is alive), `GET /ready` (503 until the node can serve its
 * cluster role), `POST /reload` (re-read the configuration, as SIGHUP does),
 * and the status page: `GET /` with its data `GET /cluster`.
 * Nothing else is served. It listens on loopback unless configured otherwise.
 */
export class AdminServer {
  private readonly server: Server;

  constructor(private readonly options: AdminServerOptions) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/reload' && req.method === 'POST') {
        try {
          const report = options.reload();
          res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(report)}\n`);
        } catch (err) {
          options.logger.warn({ reason: (err as Error).message }, 'reload refused: the running configuration is kept');
          res.writeHead(400, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
        }
        return;
      }
      if (path === '/reload') {
        res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('use POST /reload to re-read the configuration\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (options.status?.(path ?? '', req, res) === true) return;
      if (path === '/health') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (path === '/ready') {
        const ready = options.ready();
        res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
      } else if (path === '/metrics') {
        options.metrics.registry.metrics().then(
          (text) => res.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(text),
          (err: unknown) => {
            options.logger.error({ err }, 'metrics collection failed');
            res.writeHead(500).end();
          },
        );
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /, /cluster, /metrics, /health or /ready\n');
      }
    });
  }

  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve({ host: this.options.host, port: typeof address === 'object' && address ? address.port : this.options.port });
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
