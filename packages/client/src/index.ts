/**
 * @merklekv/client — a promise-based TCP client for MerkleKV with pipelining,
 * an explicit batch API, typed errors and reconnect with an injectable backoff.
 */
export { createClient, MerkleKVClient } from './client.js';
export type { ClientOptions, ScanOptions } from './client.js';
export { Pipeline } from './pipeline.js';
export type { PipelineResult, Settled } from './pipeline.js';
export type { Entries } from './commands.js';
export type { RawReply } from './connection.js';
export type { ChildCount, InfoSections, LeafEntry, Page, TreeRoot } from './replies.js';
export { exponentialBackoff, noRetry } from './backoff.js';
export type { ExponentialBackoffOptions, RetryStrategy } from './backoff.js';
export {
  AuthenticationError,
  CLIENT_ERROR_CODES,
  ClientError,
  ConnectionClosedError,
  ConnectionError,
  ServerError,
  TimeoutError,
  UnexpectedReplyError,
} from './errors.js';
export type { ClientErrorCode } from './errors.js';
export type { TreePath, WireStamp, WireVersion, Command } from '@merklekv/protocol';
