/**
 * The commands of the MerkleKV text protocol, as the decoder produces them and
 * the client encodes them. One line on the wire is one command; see
 * docs/PROTOCOL.md for the exact syntax and replies of each.
 */
import type { PathSet } from './peer-pack.js';

/** A path into the Merkle tree: child indexes from the root (empty = the root). */
export type TreePath = readonly number[];

/** A record version as it travels between nodes (anti-entropy and repair). */
export interface WireVersion {
  readonly key: string;
  /** Hybrid logical clock: physical ms × 1024 + logical counter. */
  readonly ts: number;
  readonly node: string;
  readonly deleted: boolean;
  /** The value; empty for a tombstone. */
  readonly value: string;
  /** Absolute expiry in ms; absent or 0 = none. */
  readonly expireAt?: number;
}

export type Command =
  // SPEC.md's commands
  | { readonly type: 'SET'; readonly key: string; readonly value: string }
  | { readonly type: 'GET'; readonly key: string }
  /** `DEL key` (replies DELETED / NOT_FOUND); `DEL k1 k2 ...` carries every key in `keys` (replies how many were deleted). */
  | { readonly type: 'DEL'; readonly key: string; readonly keys?: readonly string[] }
  | { readonly type: 'INCR'; readonly key: string; readonly amount: bigint }
  | { readonly type: 'DECR'; readonly key: string; readonly amount: bigint }
  | { readonly type: 'APPEND'; readonly key: string; readonly value: string }
  | { readonly type: 'PREPEND'; readonly key: string; readonly value: string }
  | { readonly type: 'VERSION' }
  | { readonly type: 'INFO' }
  | { readonly type: 'FLUSH' }
  | { readonly type: 'SHUTDOWN' }
  | { readonly type: 'BACKUP' }
  // what users of Redis-like stores reach for
  | { readonly type: 'PING'; readonly message?: string }
  | { readonly type: 'ECHO'; readonly message: string }
  | { readonly type: 'EXISTS'; readonly keys: readonly string[] }
  | { readonly type: 'MGET'; readonly keys: readonly string[] }
  | { readonly type: 'MSET'; readonly entries: readonly (readonly [string, string])[] }
  | { readonly type: 'SCAN'; readonly prefix: string; readonly cursor?: string; readonly count?: number }
  | { readonly type: 'DBSIZE' }
  | { readonly type: 'STATS' }
  // key expiry (docs/PROTOCOL.md "Key expiry"): `ttl` in seconds or ms, `time` as the command says
  | { readonly type: 'SETEX'; readonly key: string; readonly ttl: number; readonly value: string }
  | { readonly type: 'PSETEX'; readonly key: string; readonly ttl: number; readonly value: string }
  | { readonly type: 'EXPIRE'; readonly key: string; readonly time: number }
  | { readonly type: 'PEXPIRE'; readonly key: string; readonly time: number }
  | { readonly type: 'EXPIREAT'; readonly key: string; readonly time: number }
  | { readonly type: 'PEXPIREAT'; readonly key: string; readonly time: number }
  | { readonly type: 'TTL'; readonly key: string }
  | { readonly type: 'PTTL'; readonly key: string }
  | { readonly type: 'PERSIST'; readonly key: string }
  // Merkle tree queries and repair (anti-entropy)
  | { readonly type: 'HASH' }
  | { readonly type: 'TREE'; readonly path: TreePath }
  | { readonly type: 'LEAF'; readonly path: TreePath; readonly cursor?: string }
  | { readonly type: 'GETV'; readonly keys: readonly string[] }
  | { readonly type: 'PUTV'; readonly version: WireVersion }
  | { readonly type: 'SYNC'; readonly peer: string }
  // peer protocol 2: batched anti-entropy (peer-sync.ts)
  | { readonly type: 'PEERV'; readonly version: number }
  | { readonly type: 'TREES'; readonly width: number; readonly paths: readonly TreePath[] }
  | { readonly type: 'ENTRIES'; readonly width: number; readonly paths: readonly TreePath[] }
  // peer protocol 3: TREES and ENTRIES with packed paths and replies (peer-pack.ts)
  | { readonly type: 'PTREES'; readonly width: number; readonly sets: readonly PathSet[] }
  | { readonly type: 'PENTRIES'; readonly width: number; readonly sets: readonly PathSet[] }
  | { readonly type: 'RECORDS'; readonly paths: readonly TreePath[] }
  | { readonly type: 'STAMPS'; readonly paths: readonly TreePath[] }
  | { readonly type: 'PUTVS'; readonly versions: readonly WireVersion[] }
  // connection authentication (docs/PROTOCOL.md "Authentication")
  | { readonly type: 'AUTH'; readonly user?: string; readonly password: string };

/** Every command name the protocol knows. */
export type CommandType = Command['type'];
