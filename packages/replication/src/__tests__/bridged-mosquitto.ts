import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, Mosquitto } from './mosquitto.js';
import { TcpProxy } from './tcp-proxy.js';

/** The shipped bridge configuration (deploy/mosquitto/). */
export const DEPLOY_MOSQUITTO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../deploy/mosquitto');

/**
 * The shipped files with only their ports changed (and the listeners bound to
 * loopback): site A listens on `portA`, site B on `portB` and bridges to
 * `bridgeTo` (a proxy in front of site A, so a test can cut the bridge).
 */
export function templateBridgeConfigs(portA: number, portB: number, bridgeTo: number): { a: string; b: string } {
  const a = readFileSync(join(DEPLOY_MOSQUITTO, 'site-a.conf'), 'utf8');
  const b = readFileSync(join(DEPLOY_MOSQUITTO, 'site-b.conf'), 'utf8');
  const replace = (text: string, from: RegExp, to: string): string => {
    if (!from.test(text)) throw new Error(`the shipped bridge configuration has no line matching ${String(from)}`);
    return text.replace(from, to);
  };
  return {
    a: replace(a, /^listener 1883$/m, `listener ${portA} 127.0.0.1`),
    b: replace(replace(b, /^listener 1884$/m, `listener ${portB} 127.0.0.1`), /^address 127\.0\.0\.1:1883$/m, `address 127.0.0.1:${bridgeTo}`),
  };
}

/**
 * A hub (site-a.conf) and two spokes (site-b.conf each, the second with its own
 * `remote_clientid`, as DEPLOYMENT.md says), every spoke bridging to the hub.
 */
export async function startHubAndSpokes(): Promise<{ hub: Mosquitto; spokes: [Mosquitto, Mosquitto]; stop(): Promise<void> }> {
  const hubPort = await freePort();
  const hub = await Mosquitto.start({ port: hubPort, config: templateBridgeConfigs(hubPort, 0, hubPort).a });
  const spokes: Mosquitto[] = [];
  for (const id of ['b', 'c']) {
    const port = await freePort();
    const config = templateBridgeConfigs(hubPort, port, hubPort).b.replace(/^remote_clientid merklekv-bridge-site-b$/m, `remote_clientid merklekv-bridge-site-${id}`);
    spokes.push(await Mosquitto.start({ port, config }));
  }
  return {
    hub,
    spokes: spokes as [Mosquitto, Mosquitto],
    async stop() {
      for (const m of [...spokes, hub]) await m.stop();
    },
  };
}

/** Two mosquitto brokers bridged by the shipped configuration, the bridge going through a cuttable proxy. */
export class BridgedPair {
  private constructor(
    readonly a: Mosquitto,
    readonly b: Mosquitto,
    readonly bridge: TcpProxy,
  ) {}

  static async start(): Promise<BridgedPair> {
    const portA = await freePort();
    const portB = await freePort();
    const a = await Mosquitto.start({ port: portA, config: templateBridgeConfigs(portA, portB, 0).a });
    const bridge = await TcpProxy.start(portA);
    const b = await Mosquitto.start({ port: portB, config: templateBridgeConfigs(portA, portB, bridge.port).b });
    return new BridgedPair(a, b, bridge);
  }

  async stop(): Promise<void> {
    await this.b.stop();
    await this.bridge.close();
    await this.a.stop();
  }
}
