import { appendFileSync, chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeRoot } from '@merklekv/client';
import { bridgeConfigs, type Site } from './bridge-config.js';
import { E2eError } from './errors.js';
import { FaultProxy } from './fault-proxy.js';
import { MosquittoBroker } from './mosquitto.js';
import { discoveryBlanker } from './mqtt-discovery-filter.js';
import { NodeProcess, tryHash } from './node-process.js';
import { assertNodeBuilt, LOG_ROOT } from './paths.js';
import { freePort } from './ports.js';
import { sleep } from './wait.js';

/** Options of {@link Cluster.start}. */
export interface ClusterOptions {
  /** The test's name: its logs go to e2e/cluster/.e2e-logs/<name>/. */
  readonly name: string;
  readonly nodes: number;
  /**
   * A mosquitto child process, an embedded (aedes) broker inside node-1, or
   * two mosquitto brokers bridged by the shipped deploy/mosquitto files (the
   * bridge through a fault proxy; nodes use topic_prefix "merkle-kv").
   */
  readonly broker: 'mosquitto' | 'embedded' | 'bridged';
  /**
   * With `bridged`: per node, the sites whose brokers it connects to, in
   * order (two = a failover list). @default the first half of the nodes on
   * site a, the rest on site b
   */
  readonly sites?: ReadonlyArray<readonly Site[]>;
  /**
   * `static`: each node's peer_list holds fault proxies to every other node,
   * and discovery announcements are blanked on the broker links (so no peer is
   * dialled around a proxy). `discovery`: empty peer lists; peers are found
   * through the broker only.
   */
  readonly topology: 'static' | 'discovery';
  /** @default 1 */
  readonly intervalSeconds?: number;
  /** @default 600 (static) / 1 (discovery) */
  readonly discoverySeconds?: number;
  /**
   * Nodes (counted from 1) whose broker link is cut before they first start:
   * they never reach the broker until the link is restored, so only
   * anti-entropy can carry writes to and from them. @default []
   */
  readonly brokerCutFromStart?: readonly number[];
  /** Nodes (counted from 1) that keep their data in an lmdb file in the test's folder, so a restart keeps it. @default [] */
  readonly persistent?: readonly number[];
  /** Give every node an admin listener on a free port (`node.spec.adminPort`). @default false */
  readonly admin?: boolean;
}

/** The outcome of {@link Cluster.waitConverged}. */
export interface Convergence {
  readonly ms: number;
  readonly root: string;
  readonly count: number;
}

/**
 * N real nodes, a real broker and a fault proxy on every link (node → broker,
 * node → peer), with every process' output in one folder per test.
 */
export class Cluster {
  readonly nodes: NodeProcess[] = [];
  broker: MosquittoBroker | undefined;
  /** With `bridged`: both brokers. */
  readonly brokers = new Map<Site, MosquittoBroker>();
  /** With `bridged`: the proxy site B's bridge dials to reach site A. */
  bridgeLink: FaultProxy | undefined;
  private readonly brokerLinks = new Map<string, Array<{ site: Site | undefined; link: FaultProxy }>>();
  private readonly peerLinks = new Map<string, FaultProxy>();
  private readonly topicPrefix: string;
  private brokerPort = 0;
  private closed = false;

  private constructor(
    readonly opts: ClusterOptions,
    readonly dir: string,
  ) {
    // The shipped bridge carries `merkle-kv/#`, the default prefix.
    this.topicPrefix = opts.broker === 'bridged' ? 'merkle-kv' : `e2e-${opts.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`;
  }

  /** Creates the log folder, starts the broker, the proxies and every node. */
  static async start(opts: ClusterOptions): Promise<Cluster> {
    assertNodeBuilt();
    const dir = join(LOG_ROOT, opts.name.replace(/[^a-z0-9._-]+/gi, '-'));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const cluster = new Cluster(opts, dir);
    try {
      await cluster.boot();
    } catch (err) {
      await cluster.shutdown();
      throw err;
    }
    return cluster;
  }

  /** Node `i`, counted from 1 like the node ids. */
  node(i: number): NodeProcess {
    const node = this.nodes[i - 1];
    if (node === undefined) throw new E2eError('INVALID_STATE', `no node ${i} (cluster of ${this.nodes.length})`);
    return node;
  }

  /** The proxy between node `i` and its (first) broker (undefined for the node hosting the embedded broker). */
  brokerLink(i: number): FaultProxy | undefined {
    return this.brokerLinks.get(this.node(i).id)?.[0]?.link;
  }

  /** With `bridged`: the proxy between node `i` and the broker of `site`. */
  brokerLinkTo(i: number, site: Site): FaultProxy {
    const link = this.brokerLinks.get(this.node(i).id)?.find((l) => l.site === site)?.link;
    if (link === undefined) throw new E2eError('INVALID_STATE', `node-${i} has no link to the broker of site ${site}`);
    return link;
  }

  /** With `bridged`: the site of node `i`'s first broker. */
  siteOf(i: number): Site {
    return this.brokerLinks.get(this.node(i).id)?.[0]?.site ?? 'a';
  }

  /** With `bridged`: cuts the bridge and every peer link between nodes of different sites (the sites' link is down). */
  partitionSites(): void {
    this.event('partition the sites: bridge and cross-site peer links cut');
    this.requireBridge().cut();
    for (const [name, link] of this.peerLinks) {
      const [from = '', to = ''] = name.split('->');
      if (this.siteOf(this.indexOf(from)) !== this.siteOf(this.indexOf(to))) link.cut();
    }
  }

  /** The proxy node `from` dials to reach node `to` (static topology). */
  peerLink(from: number, to: number): FaultProxy {
    const link = this.peerLinks.get(`${this.node(from).id}->${this.node(to).id}`);
    if (link === undefined) throw new E2eError('INVALID_STATE', `no peer link node-${from} -> node-${to}`);
    return link;
  }

  /** Every link that touches node `i`: its broker link and peer links both ways. */
  linksOf(i: number): FaultProxy[] {
    const id = this.node(i).id;
    const links: FaultProxy[] = [];
    for (const { link } of this.brokerLinks.get(id) ?? []) links.push(link);
    for (const [name, link] of this.peerLinks) {
      const [from, to] = name.split('->');
      if (from === id || to === id) links.push(link);
    }
    return links;
  }

  /** Cuts node `i` from the broker and from every peer (a partition of one). */
  isolate(i: number): void {
    this.event(`isolate node-${i}`);
    for (const link of this.linksOf(i)) link.cut();
  }

  private indexOf(nodeId: string): number {
    return this.nodes.findIndex((n) => n.id === nodeId) + 1;
  }

  private requireBridge(): FaultProxy {
    if (this.bridgeLink === undefined) throw new E2eError('INVALID_STATE', 'this cluster has no bridged brokers');
    return this.bridgeLink;
  }

  /** Restores every link. */
  healAll(): void {
    this.event('heal all links');
    for (const link of this.allLinks()) link.restore();
  }

  /** kill -9 of the broker (mosquitto; with `bridged`, the broker of `site`). */
  async killBroker(site?: Site): Promise<void> {
    const broker = this.requireMosquitto(site);
    this.event(`kill -9 broker${site === undefined ? '' : ` of site ${site}`}`);
    await broker.kill9();
  }

  /** Starts the broker again on the same port. */
  async restartBroker(site?: Site): Promise<void> {
    const broker = this.requireMosquitto(site);
    this.event(`restart broker${site === undefined ? '' : ` of site ${site}`}`);
    await broker.start();
  }

  /** kill -9 of node `i`. */
  async killNode(i: number): Promise<void> {
    this.event(`kill -9 node-${i}`);
    await this.node(i).kill9();
  }

  /** Restarts node `i` with the same configuration and ports. */
  async restartNode(i: number): Promise<void> {
    this.event(`restart node-${i}`);
    await this.node(i).start();
  }

  /** Graceful stop of node `i`. */
  async stopNode(i: number): Promise<void> {
    this.event(`stop node-${i}`);
    await this.node(i).stop();
  }

  /** Adds (and starts) one more node, empty, wired like the others (discovery topology only). */
  async addNode(): Promise<NodeProcess> {
    if (this.opts.topology !== 'discovery') throw new E2eError('INVALID_STATE', 'addNode needs the discovery topology');
    const node = await this.createNode(this.nodes.length + 1, await freePort());
    this.nodes.push(node);
    this.event(`add ${node.id}`);
    await node.start();
    return node;
  }

  /**
   * Polls HASH on every running node until all roots and record counts are
   * equal (twice in a row, so a sync caught mid-way does not count), bounded.
   * @throws E2eError NOT_CONVERGED naming each node's last root
   */
  async waitConverged(timeoutMs = 30_000): Promise<Convergence> {
    const started = Date.now();
    let last: Array<[string, TreeRoot | undefined]> = [];
    let agreed: string | undefined;
    while (Date.now() - started < timeoutMs) {
      const running = this.nodes.filter((n) => n.running);
      last = await Promise.all(running.map(async (n) => [n.id, await tryHash(n)] as [string, TreeRoot | undefined]));
      const roots = new Set(last.map(([, h]) => (h === undefined ? 'down' : `${h.root}/${h.count}`)));
      const only = roots.size === 1 ? [...roots][0] : undefined;
      if (only !== undefined && only !== 'down' && only === agreed) {
        const [root = '', count = '0'] = only.split('/');
        const ms = Date.now() - started;
        this.event(`converged in ${ms} ms: root ${root} count ${count}`);
        return { ms, root, count: Number(count) };
      }
      agreed = only;
      await sleep(200);
    }
    const detail = last.map(([id, h]) => `${id}=${h === undefined ? 'no answer' : `${h.root} (${h.count})`}`).join(', ');
    this.event(`NOT converged after ${timeoutMs} ms: ${detail}`);
    throw new E2eError('NOT_CONVERGED', `replicas did not converge within ${timeoutMs} ms: ${detail}`);
  }

  /** Records a timeline line in events.log (and in every node's log). */
  event(text: string): void {
    const line = `${new Date().toISOString()} ${text}`;
    appendFileSync(join(this.dir, 'events.log'), `${line}\n`);
    for (const node of this.nodes) node.note(text);
  }

  /** Stops everything this cluster started (SIGKILL by PID), proxies included. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.nodes.map((n) => n.dispose()));
    if (this.brokers.size === 0) await this.broker?.stop();
    for (const broker of this.brokers.values()) await broker.stop();
    await Promise.all(this.allLinks().map((p) => p.close()));
  }

  private allLinks(): FaultProxy[] {
    return [...[...this.brokerLinks.values()].flat().map((l) => l.link), ...this.peerLinks.values(), ...(this.bridgeLink ? [this.bridgeLink] : [])];
  }

  private async boot(): Promise<void> {
    const { opts } = this;
    const ports: number[] = [];
    for (let i = 0; i < opts.nodes; i++) ports.push(await freePort());
    this.brokerPort = await freePort();
    if (opts.broker === 'mosquitto') {
      this.broker = new MosquittoBroker(this.brokerPort, this.dir);
      await this.broker.start();
    }
    if (opts.broker === 'bridged') await this.startBridgedBrokers();
    if (opts.topology === 'static') {
      for (let i = 0; i < opts.nodes; i++) {
        for (let j = 0; j < opts.nodes; j++) {
          if (i === j) continue;
          const name = `node-${i + 1}->node-${j + 1}`;
          this.peerLinks.set(name, await FaultProxy.start({ name, targetPort: ports[j] as number, log: (l) => this.linkLog(l) }));
        }
      }
    }
    for (let i = 0; i < opts.nodes; i++) this.nodes.push(await this.createNode(i + 1, ports[i] as number, ports));
    // The embedded broker lives in node-1: it goes first.
    const [first, ...rest] = this.nodes;
    if (opts.broker === 'embedded' && first) await first.start();
    await Promise.all((opts.broker === 'embedded' ? rest : this.nodes).map((n) => n.start()));
    this.event(`started ${this.nodes.map((n) => `${n.id}@${n.port}(pid ${String(n.pid)})`).join(' ')}; broker port ${this.brokerPort}`);
  }

  private async createNode(index: number, port: number, ports: readonly number[] = []): Promise<NodeProcess> {
    const { opts } = this;
    const nodeId = `node-${index}`;
    const hostsBroker = opts.broker === 'embedded' && index === 1;
    let brokerAddress: string | string[] = 'embedded';
    if (!hostsBroker) {
      const targets: Array<{ site: Site | undefined; port: number }> =
        opts.broker === 'bridged' ? this.sitesOf(index).map((site) => ({ site, port: (this.brokers.get(site) as MosquittoBroker).port })) : [{ site: undefined, port: this.brokerPort }];
      const links: Array<{ site: Site | undefined; link: FaultProxy }> = [];
      for (const { site, port } of targets) {
        const link = await FaultProxy.start({
          name: `${nodeId}->broker${site === undefined ? '' : `-${site}`}`,
          targetPort: port,
          log: (l) => this.linkLog(l),
          ...(opts.topology === 'static' ? { downstreamFilter: () => discoveryBlanker(this.topicPrefix) } : {}),
        });
        if (opts.brokerCutFromStart?.includes(index) === true) link.cut();
        links.push({ site, link });
      }
      this.brokerLinks.set(nodeId, links);
      const urls = links.map(({ link }) => `tcp://127.0.0.1:${link.port}`);
      brokerAddress = urls.length === 1 ? (urls[0] as string) : urls;
    }
    const peers =
      opts.topology === 'static'
        ? ports.map((_, j) => j + 1).filter((j) => j !== index).map((j) => `127.0.0.1:${(this.peerLinks.get(`${nodeId}->node-${j}`) as FaultProxy).port}`)
        : [];
    return new NodeProcess(
      {
        nodeId,
        port,
        brokerAddress,
        ...(hostsBroker ? { embeddedPort: this.brokerPort } : {}),
        topicPrefix: this.topicPrefix,
        peers,
        antiEntropy: true,
        intervalSeconds: opts.intervalSeconds ?? 1,
        discoverySeconds: opts.discoverySeconds ?? (opts.topology === 'static' ? 600 : 1),
        keepAlive: 5,
        logLevel: 'info',
        ...(opts.persistent?.includes(index) === true ? { dataDir: join(this.dir, `${nodeId}-data`) } : {}),
        ...(opts.admin === true ? { adminPort: await freePort() } : {}),
      },
      this.dir,
    );
  }

  private requireMosquitto(site?: Site): MosquittoBroker {
    const broker = site === undefined ? this.broker : this.brokers.get(site);
    if (broker === undefined) throw new E2eError('INVALID_STATE', `this cluster has no mosquitto broker${site === undefined ? '' : ` for site ${site}`}`);
    return broker;
  }

  /** Node `index`'s sites (bridged): as given, or the first half on a, the rest on b. */
  private sitesOf(index: number): readonly Site[] {
    return this.opts.sites?.[index - 1] ?? [index <= Math.ceil(this.opts.nodes / 2) ? 'a' : 'b'];
  }

  /** Site A, the bridge proxy, then site B (whose bridge dials site A through the proxy). */
  private async startBridgedBrokers(): Promise<void> {
    const portA = this.brokerPort;
    const portB = await freePort();
    this.bridgeLink = await FaultProxy.start({ name: 'bridge b->a', targetPort: portA, log: (l) => this.linkLog(l) });
    const configs = bridgeConfigs(portA, portB, this.bridgeLink.port);
    // Started as root, mosquitto runs as its own user: it writes its persistence file in its folder.
    for (const site of ['a', 'b'] as const) {
      const dir = join(this.dir, `broker-${site}`);
      mkdirSync(dir, { recursive: true });
      chmodSync(dir, 0o777);
      const broker = new MosquittoBroker(site === 'a' ? portA : portB, dir, configs[site], `site-${site}`);
      this.brokers.set(site, broker);
      await broker.start();
    }
    this.broker = this.brokers.get('a');
  }

  private linkLog(line: string): void {
    appendFileSync(join(this.dir, 'links.log'), `${line}\n`);
  }
}
