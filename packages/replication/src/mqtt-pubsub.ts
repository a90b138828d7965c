/**
 * The mqtt.js adapter of the {@link PubSub} port.
 *
 * - TCP_NODELAY on every connection: without it Nagle's algorithm holds small
 *   PUBLISH/PUBACK packets back (measured: 20k → 45-65k msgs/s, p99 50-80 ms → < 10 ms).
 * - Reconnects are driven here, not by mqtt.js's fixed `reconnectPeriod`: after
 *   each close the next attempt waits `reconnectBackoff(attempt)`. The client's
 *   message stores are kept across reconnects, so QoS 1 messages in flight when
 *   the connection dropped are resent and their promises settle.
 * - Subscriptions are renewed on every connect; `connected` turns true (and
 *   listeners hear it) only once they are active, so nothing published by
 *   others after that point is missed.
 * - MQTT 5 first, for its `noLocal` subscription option: the broker does not
 *   send a client its own messages back, so a node neither receives nor
 *   acknowledges its own batches (on mosquitto this took ~0.4 µs of CPU per
 *   replicated write off the node). A broker that refuses MQTT 5 (the embedded
 *   aedes does, with "unacceptable protocol version") is asked again at once in
 *   MQTT 3.1.1, and stays so for the life of this client; there, own messages
 *   come back and the replicator drops them by their first bytes.
 * - Failover: given several brokers (bridged, or members of one cluster), it
 *   connects to the first that answers and, whenever a connection fails or is
 *   lost, tries the next one in the list (mqtt.js `servers`, wrapping around).
 *   The replicator sees an ordinary reconnect: subscriptions are renewed and
 *   its recent events replayed.
 */
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { exponentialBackoff } from './backoff.js';
import { brokerServers, type BrokerServer } from './broker-servers.js';
import { ReplicationError, ReplicationErrorCode } from './errors.js';
import { silentLogger, type Logger } from './logger.js';
import type { MessageHandler, PublishOptions, PubSub } from './pubsub.js';
import { topicMatches } from './topic-match.js';

/** TLS settings for `mqtts://` / `wss://` brokers. */
export interface MqttTlsOptions {
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** @default true */
  readonly rejectUnauthorized?: boolean;
  readonly servername?: string;
}

/** The last will: published by the broker when this client vanishes without a DISCONNECT. */
export interface MqttWill {
  readonly topic: string;
  readonly payload: Buffer;
  readonly retain: boolean;
  readonly qos: 0 | 1;
}

/** Options of {@link createMqttPubSub}; SPEC.md's `[mqtt]` section maps one to one. */
export interface MqttPubSubOptions {
  /**
   * `mqtt.broker_address`: tcp://, mqtt://, mqtts://, ws://, wss:// (see {@link normalizeBrokerUrl}),
   * or a list of them to fail over between, tried in order.
   */
  readonly brokerUrl: string | readonly string[];
  /** `mqtt.client_id` (SPEC default: the node id). */
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  /** `mqtt.keep_alive`, seconds. @default 60 */
  readonly keepAlive?: number;
  /** `mqtt.clean_session`. @default true */
  readonly cleanSession?: boolean;
  readonly will?: MqttWill;
  readonly tls?: MqttTlsOptions;
  /** Milliseconds before reconnect attempt `attempt` (from 1). @default exponentialBackoff() (100 ms doubling, 10 s cap, ±20%) */
  readonly reconnectBackoff?: (attempt: number) => number;
  /**
   * MQTT protocol version to start with: 5 (with `noLocal` subscriptions, falling back to 3.1.1
   * when the broker refuses 5) or 4 (MQTT 3.1.1 only). @default 5
   */
  readonly protocolVersion?: 4 | 5;
  /** Milliseconds to wait for the CONNACK. @default 10000 */
  readonly connectTimeoutMs?: number;
  /** How long close() waits for in-flight messages before cutting the connection. @default 1000 */
  readonly closeTimeoutMs?: number;
  readonly logger?: Logger;
}

/** CONNACK codes for "this broker does not speak that protocol version": MQTT 3.1.1's and MQTT 5's. */
const UNSUPPORTED_VERSION = new Set([1, 0x84]);

/** A {@link PubSub} over MQTT that also tells which broker it is on and the protocol version it settled on. */
export interface MqttConnection extends PubSub {
  /** The broker of the current connection, or of the attempt in progress, as configured. */
  readonly broker: string;
  /** 5, or 4 (MQTT 3.1.1) once a broker refused MQTT 5. */
  readonly protocolVersion: number;
}

/**
 * Connects to an MQTT broker (mqtt.js; MQTT 5, or 3.1.1 when the broker refuses 5) and returns it as a {@link PubSub}.
 * Never throws on connection problems: it keeps reconnecting until closed.
 * @throws ReplicationError `INVALID_BROKER_URL` for an unusable address or an empty list.
 */
export function createMqttPubSub(opts: MqttPubSubOptions): MqttConnection {
  return new MqttPubSub(opts);
}

class MqttPubSub implements MqttConnection {
  private readonly client: MqttClient;
  private readonly servers: readonly BrokerServer[];
  /** True when the TLS server name was given (`tls.servername`): it then applies to every broker. */
  private readonly pinnedServername: boolean;
  private readonly logger: Logger;
  private readonly backoff: (attempt: number) => number;
  private readonly closeTimeoutMs: number;
  private readonly subscriptions: Array<{ filter: string; handler: MessageHandler }> = [];
  private readonly listeners = new Set<(connected: boolean) => void>();
  private ready = false;
  private closing = false;
  /** Set when the broker refused MQTT 5: the close that follows reconnects at once in 3.1.1. */
  private downgraded = false;
  private attempt = 0;
  private generation = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(opts: MqttPubSubOptions) {
    this.servers = brokerServers(opts.brokerUrl);
    this.pinnedServername = opts.tls?.servername !== undefined;
    const url = (this.servers[0] as BrokerServer).url;
    this.logger = opts.logger ?? silentLogger;
    this.backoff = opts.reconnectBackoff ?? exponentialBackoff();
    this.closeTimeoutMs = opts.closeTimeoutMs ?? 1000;
    const options: IClientOptions = {
      clientId: opts.clientId,
      keepalive: opts.keepAlive ?? 60,
      clean: opts.cleanSession ?? true,
      protocolVersion: opts.protocolVersion ?? 5,
      reconnectPeriod: 0,
      resubscribe: false,
      connectTimeout: opts.connectTimeoutMs ?? 10_000,
      ...(opts.username !== undefined ? { username: opts.username } : {}),
      ...(opts.password !== undefined ? { password: opts.password } : {}),
      ...(opts.will !== undefined ? { will: { ...opts.will } } : {}),
      // MQTT 3.1.1 keeps a non-clean session until the client cleans it; MQTT 5 needs an expiry for that (0 ends it at disconnect).
      ...(opts.cleanSession === false ? { properties: { sessionExpiryInterval: 0xffff_ffff } } : {}),
      ...(opts.tls ?? {}),
      // mqtt.js builds every connection from the next entry of `servers`, wrapping around.
      ...(this.servers.length > 1 ? { servers: this.servers.map(({ host, port, protocol }) => ({ host, port, protocol })) } : {}),
    };
    this.client = mqtt.connect(url, options);
    this.client.on('connect', () => void this.onConnect());
    this.client.on('close', () => this.onClose());
    this.client.on('error', (err) => this.onError(err));
    this.client.on('message', (topic, payload) => this.dispatch(topic, payload));
  }

  /** The MQTT version in use: 5, or 4 (3.1.1) after a broker refused 5. */
  get protocolVersion(): number {
    return this.client.options.protocolVersion ?? 4;
  }

  get connected(): boolean {
    return this.ready && this.client.connected;
  }

  get broker(): string {
    const { host, port, protocol } = this.client.options;
    const current = this.servers.find((s) => s.host === host && s.port === Number(port ?? s.port) && s.protocol === protocol);
    return (current ?? (this.servers[0] as BrokerServer)).address;
  }

  publish(topic: string, payload: Buffer, opts: PublishOptions = {}): Promise<void> {
    if (!this.connected) {
      return Promise.reject(new ReplicationError(ReplicationErrorCode.NOT_CONNECTED, 'not connected to the MQTT broker'));
    }
    return new Promise((resolve, reject) => {
      this.client.publish(topic, payload, { qos: opts.qos ?? 1, retain: opts.retain ?? false }, (err) => {
        if (err === undefined || err === null) resolve();
        else reject(new ReplicationError(this.client.connected ? ReplicationErrorCode.BROKER_ERROR : ReplicationErrorCode.NOT_CONNECTED, `publish on '${topic}' failed: ${err.message}`, { cause: err }));
      });
    });
  }

  async subscribe(topic: string, onMessage: MessageHandler): Promise<void> {
    if (this.closing) throw new ReplicationError(ReplicationErrorCode.CLOSED, 'the MQTT connection is closed');
    this.subscriptions.push({ filter: topic, handler: onMessage });
    if (!this.client.connected) return; // subscribed by onConnect
    try {
      await this.subscribeAll([topic]);
    } catch (err) {
      if (this.client.connected) throw err;
      // The connection dropped meanwhile; onConnect renews every subscription.
    }
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    this.setReady(false);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = this.client.endAsync(!this.client.connected).catch((err: unknown) => this.logger.debug({ err }, 'mqtt end failed'));
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.closeTimeoutMs)));
    if ((await Promise.race([ended, timedOut])) === 'timeout') this.client.stream.destroy();
    clearTimeout(timer);
  }

  private async onConnect(): Promise<void> {
    const generation = ++this.generation;
    const socket = this.client.stream as unknown as { setNoDelay?: (noDelay: boolean) => void };
    socket.setNoDelay?.(true);
    this.attempt = 0;
    try {
      await this.subscribeAll(this.subscriptions.map((s) => s.filter));
    } catch (err) {
      if (generation !== this.generation) return;
      this.logger.error({ err }, 'mqtt subscribe failed: reconnecting');
      this.client.stream.destroy();
      return;
    }
    if (generation !== this.generation || this.closing || !this.client.connected) return;
    this.logger.info({ clientId: this.client.options.clientId, broker: this.broker }, 'mqtt connected');
    this.setReady(true);
  }

  private async subscribeAll(filters: readonly string[]): Promise<void> {
    const unique = [...new Set(filters)];
    if (unique.length === 0) return;
    // noLocal: an MQTT 5 broker keeps this client's own messages from it (ignored in 3.1.1).
    const granted = await this.client.subscribeAsync(Object.fromEntries(unique.map((f) => [f, { qos: 1 as const, nl: true }])));
    // A failure is 0x80 in 3.1.1, any reason code from 0x80 up in MQTT 5.
    const refused = granted.filter((g) => g.qos >= 0x80);
    if (refused.length > 0) {
      throw new ReplicationError(ReplicationErrorCode.BROKER_ERROR, `broker refused subscription to ${refused.map((g) => `'${g.topic}'`).join(', ')}`);
    }
  }

  /** A broker that refuses MQTT 5 is asked again in 3.1.1 at once; other errors are logged (the close that follows reconnects). */
  private onError(err: Error & { code?: unknown }): void {
    if (this.client.options.protocolVersion === 5 && typeof err.code === 'number' && UNSUPPORTED_VERSION.has(err.code)) {
      this.logger.info({ broker: this.broker }, 'the broker does not speak MQTT 5: using MQTT 3.1.1 (own batches come back and are dropped)');
      this.client.options.protocolVersion = 4;
      this.downgraded = true;
      return;
    }
    // A broker that is down or restarting is an ordinary event: one line, no stack (mqtt.js retries, see onClose);
    // errors mqtt.js raises while this side is closing (`write after end`) are expected and kept at debug.
    if (this.closing) this.logger.debug({ reason: err.message }, 'mqtt error while closing');
    else this.logger.warn({ broker: this.broker, reason: err.message }, 'mqtt connection error: will retry');
  }

  private onClose(): void {
    this.generation++;
    this.setReady(false);
    if (this.downgraded) {
      // Refused for its protocol version only: ask again at once, in 3.1.1.
      this.downgraded = false;
      if (!this.closing) this.reconnectNow();
      return;
    }
    if (this.closing || this.reconnectTimer !== undefined) return;
    this.attempt++;
    const delay = this.backoff(this.attempt);
    this.logger.debug({ attempt: this.attempt, delayMs: delay }, 'mqtt reconnect scheduled');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closing) return;
      this.reconnectNow();
    }, delay);
  }

  private reconnectNow(): void {
    // mqtt.js keeps the TLS server name of the first broker it dialled in the options its stream
    // builder reads (client.options); the next broker may be another host: let it set its own.
    if (this.servers.length > 1 && !this.pinnedServername) delete (this.client.options as { servername?: string }).servername;
    // Keep the stores: QoS 1 messages in flight are resent after the CONNACK.
    this.client.reconnect({ incomingStore: this.client.incomingStore, outgoingStore: this.client.outgoingStore });
  }

  private setReady(ready: boolean): void {
    if (this.ready === ready) return;
    this.ready = ready;
    for (const listener of [...this.listeners]) {
      try {
        listener(ready);
      } catch (err) {
        this.logger.error({ err }, 'connection listener failed');
      }
    }
  }

  private dispatch(topic: string, payload: Buffer): void {
    for (const { filter, handler } of this.subscriptions) {
      if (!topicMatches(filter, topic)) continue;
      try {
        handler(topic, payload);
      } catch (err) {
        this.logger.error({ err, topic }, 'message handler failed');
      }
    }
  }
}
