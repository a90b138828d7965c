import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { E2eError } from './errors.js';
import { REPO_ROOT } from './paths.js';

/** The shipped two-broker bridge configuration. */
export const DEPLOY_MOSQUITTO = join(REPO_ROOT, 'deploy/mosquitto');

/** The two sites of a bridged pair: `b` opens the bridge to `a`. */
export type Site = 'a' | 'b';

/**
 * The shipped `site-a.conf` and `site-b.conf`, changed only where a test must:
 * the listeners' ports (bound to loopback), and the bridge's target port
 * (a fault proxy in front of site A, so the bridge can be cut).
 * @throws E2eError when a shipped file no longer has the line to change
 */
export function bridgeConfigs(portA: number, portB: number, bridgeTo: number): Record<Site, string> {
  const read = (site: Site): string => readFileSync(join(DEPLOY_MOSQUITTO, `site-${site}.conf`), 'utf8');
  const replace = (text: string, from: RegExp, to: string): string => {
    if (!from.test(text)) throw new E2eError('INVALID_STATE', `deploy/mosquitto has no line matching ${String(from)}`);
    return text.replace(from, to);
  };
  return {
    a: replace(read('a'), /^listener 1883$/m, `listener ${portA} 127.0.0.1`),
    b: replace(replace(read('b'), /^listener 1884$/m, `listener ${portB} 127.0.0.1`), /^address 127\.0\.0\.1:1883$/m, `address 127.0.0.1:${bridgeTo}`),
  };
}
