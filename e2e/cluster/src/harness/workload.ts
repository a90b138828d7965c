import { ConnectionError, createClient, ServerError, type MerkleKVClient } from '@merklekv/client';
import type { History, Outcome, WriteEffect } from './history.js';
import type { NodeProcess } from './node-process.js';

/** Clients of one workload: one connection per node, short timeouts, no long reconnect loops. */
export class ClientPool {
  private readonly clients = new Map<string, MerkleKVClient>();

  /** The client for `node` (created on first use). */
  for(node: NodeProcess): MerkleKVClient {
    let client = this.clients.get(node.id);
    if (client === undefined) {
      client = createClient({ port: node.port, timeoutMs: 3000, retry: (attempt) => (attempt >= 2 ? null : 50) });
      this.clients.set(node.id, client);
    }
    return client;
  }

  /** Drops every connection. */
  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}

/**
 * The outcome a client error stands for: an `ERROR` reply or a connection
 * that never opened wrote nothing (`failed`); a connection lost or timed out
 * after the request was sent may have written (`unknown`).
 */
export function outcomeOf(err: unknown): Outcome {
  if (err instanceof ServerError || err instanceof ConnectionError) return 'failed';
  return 'unknown';
}

/** What one operation does, for {@link runOperation}. */
export interface OperationSpec<T> {
  readonly kind: string;
  readonly run: (client: MerkleKVClient) => Promise<T>;
  /** The writes made, given the reply. */
  readonly effects: (reply: T) => readonly WriteEffect[];
  /** The writes possibly made when the reply was lost. */
  readonly unknownEffects: readonly WriteEffect[];
}

/** Runs one operation against `node` and records it in `history`; resolves with the reply, or undefined on error. */
export async function runOperation<T>(history: History, pool: ClientPool, clientName: string, node: NodeProcess, spec: OperationSpec<T>): Promise<T | undefined> {
  const invokeMs = Date.now();
  try {
    const reply = await spec.run(pool.for(node));
    history.record({ client: clientName, node: node.id, kind: spec.kind, invokeMs, completeMs: Date.now(), outcome: 'ok', effects: spec.effects(reply) });
    return reply;
  } catch (err) {
    const outcome = outcomeOf(err);
    history.record({ client: clientName, node: node.id, kind: spec.kind, invokeMs, completeMs: Date.now(), outcome, effects: outcome === 'unknown' ? spec.unknownEffects : [] });
    return undefined;
  }
}

/** A SET of `key` to `value`, as an {@link OperationSpec}. */
export function setOp(key: string, value: string): OperationSpec<'OK'> {
  const effects = [{ key, value }];
  return { kind: 'SET', run: (c) => c.set(key, value), effects: () => effects, unknownEffects: effects };
}

/**
 * Writes unique keys (`prefix:client:seq`) in a loop on the given nodes,
 * round-robin, until `stop()`; every operation lands in `history`.
 */
export function uniqueWriter(history: History, nodes: () => readonly NodeProcess[], prefix: string, clientName: string, pauseMs = 5): { stop: () => Promise<number> } {
  const pool = new ClientPool();
  let running = true;
  let seq = 0;
  const loop = (async () => {
    while (running) {
      const list = nodes();
      const node = list[seq % list.length];
      seq++;
      if (node === undefined) break;
      const key = `${prefix}:${clientName}:${seq}`;
      await runOperation(history, pool, clientName, node, setOp(key, `${clientName}-${seq}`));
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      pool.close();
      return seq;
    },
  };
}

/** Every live key and value on `node` (SCAN `*`). */
export async function readAll(node: NodeProcess): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const [key, value] of node.client().scan('*', { count: 1000 })) out.set(key, value);
  return out;
}
