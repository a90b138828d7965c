/**
 * An in-memory broker and its {@link PubSub} clients, for tests and
 * single-process setups. Semantics follow an MQTT broker with clean sessions:
 * a message goes to every client that is connected and subscribed when it is
 * published; a disconnected client misses it. Delivery is asynchronous
 * (a microtask later) and in publish order. {@link MemoryPubSub.setConnected}
 * injects connection faults.
 */
import type { MessageHandler, PublishOptions, PubSub } from './pubsub.js';
import { ReplicationError, ReplicationErrorCode } from './errors.js';
import { topicMatches } from './topic-match.js';

/** A published message as the bus saw it. */
export interface BusMessage {
  readonly from: string;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: 0 | 1;
  readonly retain: boolean;
}

/** The in-memory broker. */
export class MemoryBus {
  private readonly clients = new Set<MemoryPubSub>();
  private readonly retained = new Map<string, Buffer>();
  /** Every message published so far, in order (for assertions). */
  readonly log: BusMessage[] = [];

  /** Creates a client, connected unless `connected: false`. */
  connect(clientId: string, opts: { connected?: boolean } = {}): MemoryPubSub {
    const client = new MemoryPubSub(this, clientId, opts.connected ?? true);
    this.clients.add(client);
    return client;
  }

  /** @internal Called by a client's publish. */
  deliver(message: BusMessage): void {
    this.log.push(message);
    if (message.retain) {
      if (message.payload.length === 0) this.retained.delete(message.topic);
      else this.retained.set(message.topic, message.payload);
    }
    for (const client of this.clients) {
      if (client.connected) client.receive(message.topic, message.payload);
    }
  }

  /** @internal Retained messages matching `filter`, sent to a new subscriber. */
  retainedFor(filter: string): Array<[string, Buffer]> {
    return [...this.retained].filter(([topic]) => topicMatches(filter, topic));
  }

  /** @internal */
  remove(client: MemoryPubSub): void {
    this.clients.delete(client);
  }
}

/** One client of a {@link MemoryBus}. */
export class MemoryPubSub implements PubSub {
  private readonly subscriptions: Array<{ filter: string; handler: MessageHandler }> = [];
  private readonly listeners = new Set<(connected: boolean) => void>();
  private isConnected: boolean;
  private closed = false;

  constructor(
    private readonly bus: MemoryBus,
    readonly clientId: string,
    connected: boolean,
  ) {
    this.isConnected = connected;
  }

  get connected(): boolean {
    return this.isConnected && !this.closed;
  }

  publish(topic: string, payload: Buffer, opts: PublishOptions = {}): Promise<void> {
    if (!this.connected) {
      return Promise.reject(new ReplicationError(ReplicationErrorCode.NOT_CONNECTED, `client '${this.clientId}' is not connected`));
    }
    const message: BusMessage = { from: this.clientId, topic, payload, qos: opts.qos ?? 1, retain: opts.retain ?? false };
    return Promise.resolve().then(() => this.bus.deliver(message));
  }

  subscribe(topic: string, onMessage: MessageHandler): Promise<void> {
    this.subscriptions.push({ filter: topic, handler: onMessage });
    const retained = this.bus.retainedFor(topic);
    return Promise.resolve().then(() => {
      for (const [t, payload] of retained) onMessage(t, payload);
    });
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Simulates the connection dropping (`false`) or coming back (`true`). */
  setConnected(connected: boolean): void {
    if (this.closed || connected === this.isConnected) return;
    this.isConnected = connected;
    for (const listener of [...this.listeners]) listener(connected);
  }

  close(): Promise<void> {
    if (!this.closed) {
      const wasConnected = this.connected;
      this.closed = true;
      this.bus.remove(this);
      if (wasConnected) for (const listener of [...this.listeners]) listener(false);
    }
    return Promise.resolve();
  }

  /** @internal Called by the bus. */
  receive(topic: string, payload: Buffer): void {
    for (const { filter, handler } of this.subscriptions) {
      if (topicMatches(filter, topic)) queueMicrotask(() => handler(topic, payload));
    }
  }
}
