import type { MessageHandler, PublishOptions, PubSub } from '../pubsub.js';

/** Wraps a PubSub so that publishes stay unacknowledged until `release()` (a slow broker). */
export class HeldPubSub implements PubSub {
  private held: Array<() => void> = [];
  hold = true;

  constructor(private readonly inner: PubSub) {}

  get connected(): boolean {
    return this.inner.connected;
  }

  /** Publishes awaiting release. */
  get waiting(): number {
    return this.held.length;
  }

  async publish(topic: string, payload: Buffer, opts?: PublishOptions): Promise<void> {
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    await this.inner.publish(topic, payload, opts);
  }

  /** Lets every held publish through and stops holding. */
  release(): void {
    this.hold = false;
    const held = this.held;
    this.held = [];
    for (const resolve of held) resolve();
  }

  subscribe(topic: string, onMessage: MessageHandler): Promise<void> {
    return this.inner.subscribe(topic, onMessage);
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    return this.inner.onConnectionChange(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
