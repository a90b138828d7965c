import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeRoot } from '@merklekv/client';
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
  /** A mosquitto child process, or an embedded (aedes) broker inside node-1. */
  readonly broker: 'mosquitto' | 'embedded';
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
  private readonly brokerLinks = new Map<string, FaultProxy>();
  private readonly peerLinks = new Map<string, FaultProxy>();
  private readonly topicPrefix: string;
  private brokerPort = 0;
  private closed = false;

  private constructor(
    readonly opts: ClusterOptions,
    readonly dir: string,
  ) {
    this.topicPrefix = `e2e-${opts.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`;
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

  /** The proxy between node `i` and the broker (undefined for the node hosting the embedded broker). */
  brokerLink(i: number): FaultProxy | undefined {
    return this.brokerLinks.get(this.node(i).id);
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
    const broker = this.brokerLinks.get(id);
    if (broker) links.push(broker);
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

  /** Restores every link. */
  healAll(): void {
    this.event('heal all links');
    for (const link of [...this.brokerLinks.values(), ...this.peerLinks.values()]) link.restore();
  }

  /** kill -9 of the broker (mosquitto). */
  async killBroker(): Promise<void> {
    const broker = this.requireMosquitto();
    this.event('kill -9 broker');
    await broker.kill9();
  }

  /** Starts the broker again on the same port. */
  async restartBroker(): Promise<void> {
    const broker = this.requireMosquitto();
    this.event('restart broker');
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
    await this.broker?.stop();
    await Promise.all([...this.brokerLinks.values(), ...this.peerLinks.values()].map((p) => p.close()));
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
    let brokerAddress = 'embedded';
    if (!hostsBroker) {
      const name = `${nodeId}->broker`;
      const link = await FaultProxy.start({
        name,
        targetPort: this.brokerPort,
        log: (l) => this.linkLog(l),
        ...(opts.topology === 'static' ? { downstreamFilter: () => discoveryBlanker(this.topicPrefix) } : {}),
      });
      this.brokerLinks.set(nodeId, link);
      if (opts.brokerCutFromStart?.includes(index) === true) link.cut();
      brokerAddress = `tcp://127.0.0.1:${link.port}`;
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
        ...(opts.admin === true ? { adminPort: await freePort() } : {}),
      },
      this.dir,
    );
  }

  private requireMosquitto(): MosquittoBroker {
    if (this.broker === undefined) throw new E2eError('INVALID_STATE', 'this cluster has no mosquitto broker');
    return this.broker;
  }

  private linkLog(line: string): void {
    appendFileSync(join(this.dir, 'links.log'), `${line}\n`);
  }
}
