/** Options of one publish. */
export interface PublishOptions {
  /** MQTT quality of service. @default 1 */
  readonly qos?: 0 | 1;
  /** Ask the broker to retain the message for future subscribers. @default false */
  readonly retain?: boolean;
}

/** Called for every message received on a subscribed topic filter. */
export type MessageHandler = (topic: string, payload: Buffer) => void;

/**
 * The small publish/subscribe port the replicator talks to. The real adapter
 * is {@link createMqttPubSub} (mqtt.js); tests use {@link MemoryBus}.
 */
export interface PubSub {
  /** True while the broker connection is up and every subscription is active. */
  readonly connected: boolean;
  /**
   * Publishes one message. Resolves when the broker acknowledged it (QoS 1) or
   * it was written (QoS 0).
   * @throws ReplicationError `NOT_CONNECTED` when the connection is down (nothing is queued).
   */
  publish(topic: string, payload: Buffer, opts?: PublishOptions): Promise<void>;
  /**
   * Subscribes to a topic filter (wildcards `+`/`#` allowed), QoS 1. The
   * subscription is renewed on every reconnect. Resolves once active, or at
   * once when offline (it becomes active on connect).
   */
  subscribe(topic: string, onMessage: MessageHandler): Promise<void>;
  /** Listens for the connection going up (`true`) or down (`false`); returns an unsubscribe function. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  /** Closes the connection for good (a graceful disconnect: no last will). */
  close(): Promise<void>;
}
