import type { Command, CommandType } from '@merklekv/protocol';
import type { Store } from '@merklekv/storage';
import type { NodeConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { Reply } from '../server/connection.js';
import type { ReplyBytes } from '../server/reply-bytes.js';

/** Figures a subsystem adds to INFO and STATS: a section title and its `name: value` pairs. */
export type StatsSection = readonly [title: string, values: Readonly<Record<string, string | number | boolean>>];

/** What command handlers may use of the running node. */
export interface NodeContext {
  readonly config: NodeConfig;
  readonly store: Store;
  readonly startedAt: number;
  readonly counters: CommandCounters;
  /** Extra INFO/STATS sections (connections, replication, anti-entropy, ...), read when asked. */
  readonly sections: () => readonly StatsSection[];
  /** Runs an anti-entropy session with a peer now; absent when anti-entropy is unavailable. */
  readonly syncNow?: (peer: string) => Promise<SyncFigures>;
  /** Starts a graceful shutdown after the current replies are written. */
  readonly shutdown: () => void;
  /** Writes a backup now (BACKUP); absent when backups are unavailable. */
  readonly backup?: () => Promise<{ readonly path: string }>;
  /** Answer writes only once `store.durable()` resolved (`[storage] sync = "always"`). */
  readonly durableWrites?: boolean;
  /** Where internal errors (bugs) are logged with their stack. @default not logged */
  readonly logger?: Logger;
}

export interface SyncFigures {
  /** Round trips (pipelined batches) of the session. */
  readonly roundTrips: number;
  /** `in-sync`, `tree`, `bulk` or `legacy` (peer protocol 1). */
  readonly mode: string;
  readonly bytes: number;
  readonly pulled: number;
  readonly pushed: number;
  readonly ms: number;
}

/** Commands served, by name and outcome. */
export interface CommandCounters {
  readonly calls: Record<string, number>;
  readonly errors: Record<string, number>;
  protocolErrors: number;
}

/**
 * A handler for one command type. It returns the whole reply text, CRLF included; or, given `out`
 * (a connection's reply bytes, reply-bytes.ts), it may append the reply's bytes there and return ''.
 */
export type Handler<T extends CommandType> = (command: Extract<Command, { type: T }>, ctx: NodeContext, out?: ReplyBytes) => Reply;

/** One handler for every command type: a missing one is a compile error. */
export type HandlerTable = { readonly [T in CommandType]: Handler<T> };

export const CRLF = '\r\n';
export const OK = 'OK\r\n';
export const NULL_REPLY = '(null)\r\n';
