import { AntiEntropyError } from '@merklekv/anti-entropy';
import { ClientError } from '@merklekv/client';
import { MerkleError } from '@merklekv/merkle';
import { ProtocolError } from '@merklekv/protocol';
import { ReplicationError } from '@merklekv/replication';
import { StorageError } from '@merklekv/storage';
import type { Logger } from '../logger.js';

/** A command the node refuses for a reason the client can act on (a bad argument, a feature that is off). */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/** The reply for an error that is not one of ours: the details are in the node log, never on the wire. */
export const INTERNAL_ERROR_REPLY = 'ERROR: Internal error (see the node log)\r\n';

/** Errors whose message is written for the client: every package's typed error and {@link CommandError}. */
export function isTypedError(err: unknown): err is Error {
  return (
    err instanceof CommandError ||
    err instanceof ProtocolError ||
    err instanceof StorageError ||
    err instanceof MerkleError ||
    err instanceof AntiEntropyError ||
    err instanceof ReplicationError ||
    err instanceof ClientError
  );
}

/**
 * The `ERROR` line for a failed command: a typed error's own message (on one line, so the
 * framing holds), anything else — a bug: a TypeError, a plain Error — as
 * {@link INTERNAL_ERROR_REPLY}, logged with its stack.
 */
export function errorReply(err: unknown, command: string, logger: Logger | undefined): string {
  if (isTypedError(err)) return `ERROR: ${err.message.replace(/[\x00-\x1f\x7f]+/g, ' ')}\r\n`;
  logger?.error({ err, command }, 'internal error while serving a command (a bug): the client was answered "Internal error"');
  return INTERNAL_ERROR_REPLY;
}
