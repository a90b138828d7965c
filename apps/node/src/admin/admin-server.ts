import { createServer, type Server } from 'node:http';
import type { Logger } from '../logger.js';
import type { NodeMetrics } from './metrics.js';

export interface AdminServerOptions {
  readonly host: string;
  readonly port: number;
  readonly metrics: NodeMetrics;
  /** Listening, and connected to the broker where replication is on. */
  readonly ready: () => boolean;
  readonly logger: Logger;
}

/**
 * The admin HTTP listener: `GET /metrics` (Prometheus text format), `GET /health`
 * (the process is alive) and `GET /ready` (503 until the node can serve its
 * cluster role). Nothing else is served.
 */
export class AdminServer {
  private readonly server: Server;

  constructor(private readonly options: AdminServerOptions) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
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
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /health or /ready\n');
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
