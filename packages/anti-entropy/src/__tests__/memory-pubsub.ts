import type { DiscoveryPubSub } from '../discovery.js';

type Handler = (topic: string, payload: Buffer) => void;

/** MQTT topic filter matching with `+` and `#`. */
function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * An in-memory broker with MQTT's retained-message semantics (an empty
 * retained payload clears the retained message but is still delivered) and
 * last wills, for discovery tests.
 */
export class MemoryBroker {
  private readonly retained = new Map<string, Buffer>();
  private readonly subscriptions: Array<{ client: string; filter: string; handler: Handler }> = [];
  private readonly wills = new Map<string, { topic: string; payload: Buffer; retain: boolean }>();
  published = 0;
  down = false;

  /** A client connection; `will` is published when {@link MemoryBroker.crash} drops it. */
  client(id: string, will?: { topic: string; payload: Buffer; retain: boolean }): DiscoveryPubSub {
    if (will !== undefined) this.wills.set(id, will);
    return {
      publish: async (topic, payload, opts) => {
        if (this.down) throw new Error('broker unreachable');
        this.deliver(topic, payload, opts.retain);
      },
      subscribe: async (filter, handler) => {
        if (this.down) throw new Error('broker unreachable');
        this.subscriptions.push({ client: id, filter, handler });
        for (const [topic, payload] of this.retained) if (matches(filter, topic)) handler(topic, payload);
      },
    };
  }

  /** Drops a client uncleanly: its subscriptions go and its will is published. */
  crash(id: string): void {
    for (let i = this.subscriptions.length - 1; i >= 0; i--) {
      if (this.subscriptions[i]?.client === id) this.subscriptions.splice(i, 1);
    }
    const will = this.wills.get(id);
    if (will !== undefined) this.deliver(will.topic, will.payload, will.retain);
  }

  private deliver(topic: string, payload: Buffer, retain: boolean): void {
    this.published += 1;
    if (retain) {
      if (payload.length === 0) this.retained.delete(topic);
      else this.retained.set(topic, payload);
    }
    for (const s of [...this.subscriptions]) if (matches(s.filter, topic)) s.handler(topic, payload);
  }
}
