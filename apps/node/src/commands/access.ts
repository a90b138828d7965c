import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  isPeerNonce,
  PEER_CHALLENGE_PREFIX,
  PEER_CHALLENGE_REPLY,
  PEER_NONCE_BYTES,
  PEER_USER,
  peerProof,
  proofMatches,
  COMMAND_TABLE,
  commandInfo,
  type CommandAccess,
  type DecodedItem,
} from '@merklekv/protocol';
import type { NodeConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { Execute, Reply } from '../server/connection.js';
import type { ReplyBytes } from '../server/reply-bytes.js';
import { CRLF, OK, type StatsSection } from './context.js';

/** A client's role: each includes the ones before it. */
export type Role = 'read' | 'write' | 'admin';

const RANK: Readonly<Record<Role, number>> = { read: 1, write: 2, admin: 3 };

/** Switched off altogether by `[security] admin_commands = false`: the table's `destructive` commands. */
const DESTRUCTIVE: ReadonlySet<string> = new Set(COMMAND_TABLE.filter((c) => c.flags.includes('destructive')).map((c) => c.name));

/**
 * What the gate needs of a client connection, on either wire format: its
 * per-connection state (authentication lives there) and a way to close it.
 */
export interface ClientSession {
  readonly state: Map<string, unknown>;
  readonly socket: { readonly remoteAddress?: string | undefined };
  /** Stops reading; closes once every owed reply is written. */
  closeWhenIdle(): void;
}

/** A failed AUTH is answered this much later per failure on its connection, up to FAILURE_DELAY_MAX_MS. */
const FAILURE_DELAY_MS = 200;
const FAILURE_DELAY_MAX_MS = 2000;
/** The connection is closed after this many failed AUTHs. */
const MAX_FAILURES = 5;

/** The per-connection authentication state, kept in `Connection.state`. */
interface AuthState {
  role: Role | undefined;
  user: string | undefined;
  /** Proved it holds the cluster secret. */
  peer: boolean;
  failures: number;
  /** An outstanding peer challenge: valid for one answer. */
  challenge: { client: string; server: string } | undefined;
}

const STATE_KEY = 'auth';

/** Counters of the access gate (INFO/STATS "Security"). */
export interface SecurityCounters {
  authSuccesses: number;
  authFailures: number;
  peerAuths: number;
  denied: number;
}

/** The access gate in front of a dispatcher, and its INFO/STATS section. */
export interface AccessGate {
  readonly execute: Execute;
  /**
   * Why this session may not run the command called `name` (upper case), or
   * undefined when it may; a refusal is counted. The RESP port asks this.
   */
  readonly refusal: (name: string, session: ClientSession) => string | undefined;
  /** AUTH on any wire format: `OK\r\n`, or an `ERROR: ...` line (late, after a failure). */
  readonly authenticate: (user: string | undefined, password: string, session: ClientSession) => Reply;
  /** Clients must AUTH (a password or users are configured). */
  readonly authRequired: boolean;
  /** The session's role, and whether it proved to be a cluster peer. */
  readonly identity: (session: ClientSession) => { readonly user: string | undefined; readonly role: Role | undefined; readonly peer: boolean };
  readonly counters: SecurityCounters;
  readonly section: () => StatsSection;
}

const reply = (message: string): string => `ERROR: ${message}${CRLF}`;

/** SHA-256 both sides first, so the comparison takes the same time whatever the lengths. */
export function secretEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * Puts `[security]` in front of `dispatch`: answers AUTH (passwords, users,
 * the cluster-peer handshake), refuses commands the connection's role does
 * not allow, and switches off FLUSH/SHUTDOWN when `admin_commands = false`.
 * Authentication lives in the connection's `state`, so it ends with the
 * connection. Passwords are compared in constant time and never logged.
 */
export function withAccess(
  dispatch: (item: DecodedItem, out?: ReplyBytes) => Reply,
  security: NodeConfig['security'],
  logger: Logger,
): AccessGate {
  const users = new Map(Object.entries(security.users));
  const clientAuth = security.password !== undefined || users.size > 0;
  const secret = security.cluster_secret;
  const counters: SecurityCounters = { authSuccesses: 0, authFailures: 0, peerAuths: 0, denied: 0 };

  const execute: Execute =
    !clientAuth && secret === undefined
      ? // No passwords, users or cluster secret: every role check passes, so none is made.
        (item, connection, out) => {
          const type = item.type;
          if (type === 'AUTH') return authenticate(item.user, item.password, connection);
          if (!security.admin_commands && DESTRUCTIVE.has(type)) return disabled();
          return dispatch(item, out);
        }
      : (item, connection, out) => {
          if (item.type === 'error') return dispatch(item);
          if (item.type === 'AUTH') return authenticate(item.user, item.password, connection);
          if (!security.admin_commands && DESTRUCTIVE.has(item.type)) return disabled();
          const refusal = refuse(item.type, stateOf(connection));
          if (refusal === undefined) return dispatch(item, out);
          counters.denied++;
          return reply(refusal);
        };

  function disabled(): string {
    counters.denied++;
    return reply('Admin commands are disabled');
  }

  function refusal(name: string, session: ClientSession): string | undefined {
    if (!security.admin_commands && DESTRUCTIVE.has(name)) {
      counters.denied++;
      return 'Admin commands are disabled';
    }
    if (!clientAuth && secret === undefined) return undefined;
    const why = refuse(name, stateOf(session));
    if (why !== undefined) counters.denied++;
    return why;
  }

  /** Why the connection may not run a command of this type, or undefined when it may. */
  function refuse(type: string, state: AuthState | undefined): string | undefined {
    const need: CommandAccess = commandInfo(type)?.access ?? 'admin';
    if (need === 'open') return undefined;
    const role = state?.role;
    const authenticated = role !== undefined || state?.peer === true;
    if (need === 'peer') {
      if (state?.peer === true || role === 'admin') return undefined;
      if (secret === undefined && !clientAuth) return undefined;
      return authenticated ? `Permission denied: ${type} needs a cluster peer or the admin role` : 'Authentication required';
    }
    if (!clientAuth) return undefined;
    if (!authenticated) return 'Authentication required';
    const rank = role === undefined ? RANK.read : RANK[role]; // a peer may read
    return rank >= RANK[need] ? undefined : `Permission denied: ${type} needs the ${need} role`;
  }

  function authenticate(user: string | undefined, password: string, connection: ClientSession): Reply {
    const command = { user, password };
    const state = stateOf(connection) ?? newState(connection);
    if (command.user === PEER_USER) return authenticatePeer(command.password, state, connection);
    if (!clientAuth) return reply('Authentication is not enabled on this node');
    let expected: { password: string; role: Role } | undefined;
    if (command.user === undefined) {
      expected = security.password === undefined ? undefined : { password: security.password, role: 'admin' };
    } else {
      expected = users.get(command.user);
    }
    // Compare even for an unknown user, so timing does not reveal which users exist.
    const matches = secretEquals(command.password, expected?.password ?? '\0no such user');
    if (expected === undefined || !matches) return fail(state, connection, command.user ?? '(shared password)');
    state.role = expected.role;
    state.user = command.user;
    state.failures = 0;
    counters.authSuccesses++;
    logger.debug({ user: command.user ?? '(shared password)', role: expected.role, remote: connection.socket.remoteAddress }, 'client authenticated');
    return OK;
  }

  function authenticatePeer(password: string, state: AuthState, connection: ClientSession): Reply {
    if (secret === undefined) return reply('Peer authentication is not enabled on this node');
    if (password.startsWith(PEER_CHALLENGE_PREFIX)) {
      const client = password.slice(PEER_CHALLENGE_PREFIX.length);
      if (!isPeerNonce(client)) return reply(`AUTH peer challenge needs a nonce of ${PEER_NONCE_BYTES * 2} lower-case hex digits`);
      const server = randomBytes(PEER_NONCE_BYTES).toString('hex');
      state.challenge = { client, server };
      return `${PEER_CHALLENGE_REPLY} ${server} ${peerProof(secret, 'server', client, server)}${CRLF}`;
    }
    const challenge = state.challenge;
    state.challenge = undefined; // one answer per challenge
    if (challenge === undefined || !proofMatches(password, peerProof(secret, 'client', challenge.client, challenge.server))) {
      return fail(state, connection, PEER_USER);
    }
    state.peer = true;
    state.failures = 0;
    counters.peerAuths++;
    logger.debug({ remote: connection.socket.remoteAddress }, 'cluster peer authenticated');
    return OK;
  }

  /** A failed AUTH: logged and counted, answered late, and the connection closed after MAX_FAILURES. */
  function fail(state: AuthState, connection: ClientSession, user: string): Reply {
    state.failures++;
    counters.authFailures++;
    const failures = state.failures;
    logger.warn({ user, remote: connection.socket.remoteAddress, failures }, 'authentication failed');
    const delay = Math.min(FAILURE_DELAY_MS * failures, FAILURE_DELAY_MAX_MS);
    return new Promise<string>((resolve) => {
      setTimeout(() => {
        if (failures >= MAX_FAILURES) {
          logger.warn({ user, remote: connection.socket.remoteAddress }, 'too many failed authentication attempts: closing the connection');
          // The reply is still owed (this promise), so the connection closes right after writing it.
          connection.closeWhenIdle();
        }
        resolve(reply('Invalid credentials'));
      }, delay).unref();
    });
  }

  return {
    execute,
    refusal,
    authenticate,
    authRequired: clientAuth,
    identity: (session) => {
      const state = stateOf(session);
      return { user: state?.user, role: state?.role, peer: state?.peer === true };
    },
    counters,
    section: () => [
      'Security',
      {
        auth_required: clientAuth,
        cluster_secret: secret !== undefined,
        admin_commands: security.admin_commands,
        auth_successes: counters.authSuccesses,
        auth_failures: counters.authFailures,
        peer_auths: counters.peerAuths,
        denied_commands: counters.denied,
      },
    ],
  };
}

function stateOf(connection: ClientSession): AuthState | undefined {
  return connection.state.get(STATE_KEY) as AuthState | undefined;
}

function newState(connection: ClientSession): AuthState {
  const state: AuthState = { role: undefined, user: undefined, peer: false, failures: 0, challenge: undefined };
  connection.state.set(STATE_KEY, state);
  return state;
}
