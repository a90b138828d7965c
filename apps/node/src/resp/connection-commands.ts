/** RESP connection commands: AUTH, HELLO, SELECT, CLIENT, QUIT, RESET, PING, ECHO. */
import { checkUser, encodeReply, RESP_OK, respBulk, respError, respInteger, respSimple, type RespBytes } from '@merklekv/protocol';
import { OK } from '../commands/context.js';
import { EMULATED_REDIS_VERSION, integerArg, RespCommandError, syntaxError, type RespContext, type RespHandler } from './context.js';
import type { RespConnection } from './resp-connection.js';

/**
 * Runs the access gate's AUTH and words its outcome as Redis does, so that
 * clients recognise it (ioredis, redis-py treat "no password configured" as
 * a warning, WRONGPASS as bad credentials).
 */
async function authenticate(user: string | undefined, password: string, connection: RespConnection, ctx: RespContext): Promise<RespBytes | undefined> {
  if (user !== undefined) checkUser(user);
  const text = await ctx.gate.authenticate(user, password, connection);
  if (text === OK) return undefined;
  const message = text.replace(/^ERROR: /, '').trimEnd();
  if (message === 'Invalid credentials') return respError('WRONGPASS invalid username-password pair or user is disabled.');
  if (message === 'Authentication is not enabled on this node') {
    return respError('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
  }
  return respError(`ERR ${message}`);
}

export const auth: RespHandler = async (args, connection, ctx) => {
  const [user, password] = args.length === 3 ? [args[1], args[2] as string] : [undefined, args[1] as string];
  return (await authenticate(user, password, connection, ctx)) ?? RESP_OK;
};

export const hello: RespHandler = async (args, connection, ctx) => {
  let version = connection.version;
  let i = 1;
  if (args.length > 1) {
    const requested = args[1] as string;
    if (requested !== '2' && requested !== '3') return respError('NOPROTO unsupported protocol version');
    version = requested === '3' ? 3 : 2;
    i = 2;
  }
  let name: string | undefined;
  let credentials: [string, string] | undefined;
  for (; i < args.length; i++) {
    const option = (args[i] as string).toUpperCase();
    if (option === 'AUTH' && i + 2 < args.length) {
      credentials = [args[i + 1] as string, args[i + 2] as string];
      i += 2;
    } else if (option === 'SETNAME' && i + 1 < args.length) {
      name = checkName(args[++i] as string);
    } else {
      throw syntaxError();
    }
  }
  if (credentials !== undefined) {
    // Redis' default user is the shared password: `HELLO 3 AUTH default secret`.
    const user = credentials[0] === 'default' ? undefined : credentials[0];
    const failed = await authenticate(user, credentials[1], connection, ctx);
    if (failed !== undefined) return failed;
  } else if (ctx.gate.authRequired && !isAuthenticated(connection, ctx)) {
    return respError('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
  }
  connection.version = version;
  if (name !== undefined) connection.name = name;
  return encodeReply(
    {
      map: [
        ['server', 'merklekv'],
        ['version', EMULATED_REDIS_VERSION],
        ['proto', version],
        ['id', connection.id],
        ['mode', 'standalone'],
        ['role', 'master'],
        ['modules', []],
      ],
    },
    version,
  );
};

function isAuthenticated(connection: RespConnection, ctx: RespContext): boolean {
  const who = ctx.gate.identity(connection);
  return who.role !== undefined || who.peer;
}

function checkName(name: string): string {
  if (/[^\x21-\x7e]/.test(name)) throw new RespCommandError('ERR Client names cannot contain spaces, newlines or special characters.');
  return name;
}

export const select: RespHandler = (args) => {
  const index = integerArg(args[1] as string);
  if (index !== 0n) throw new RespCommandError('ERR DB index is out of range (MerkleKV has one database, 0)');
  return RESP_OK;
};

export const client: RespHandler = (args, connection, ctx) => {
  const sub = (args[1] as string).toUpperCase();
  const wrongArity = () => new RespCommandError(`ERR wrong number of arguments for 'client|${sub.toLowerCase()}' command`);
  switch (sub) {
    case 'SETNAME':
      if (args.length !== 3) throw wrongArity();
      connection.name = (args[2] as string) === '' ? undefined : checkName(args[2] as string);
      return RESP_OK;
    case 'GETNAME':
      if (args.length !== 2) throw wrongArity();
      return respBulk(connection.name, connection.version);
    case 'ID':
      if (args.length !== 2) throw wrongArity();
      return respInteger(connection.id);
    case 'SETINFO': {
      if (args.length !== 4) throw wrongArity();
      const attribute = (args[2] as string).toUpperCase();
      const value = args[3] as string;
      if (/[^\x21-\x7e]/.test(value)) throw new RespCommandError(`ERR ${attribute} cannot contain spaces, newlines or special characters.`);
      if (attribute === 'LIB-NAME') connection.lib.name = value;
      else if (attribute === 'LIB-VER') connection.lib.version = value;
      else throw new RespCommandError(`ERR Unrecognized option '${args[2] as string}'`);
      return RESP_OK;
    }
    case 'INFO':
      if (args.length !== 2) throw wrongArity();
      return encodeReply({ verbatim: `${clientLine(connection, ctx)}\n` }, connection.version);
    default:
      throw new RespCommandError(`ERR unknown subcommand '${args[1] as string}'. MerkleKV's CLIENT offers SETNAME, GETNAME, ID, SETINFO and INFO.`);
  }
};

function clientLine(c: RespConnection, ctx: RespContext): string {
  const who = ctx.gate.identity(c);
  const local = `${c.socket.localAddress ?? ''}:${c.socket.localPort ?? ''}`;
  return [
    `id=${c.id}`,
    `addr=${c.socket.remoteAddress ?? ''}:${c.socket.remotePort ?? ''}`,
    `laddr=${local}`,
    `name=${c.name ?? ''}`,
    'db=0',
    `user=${who.user ?? (who.role !== undefined ? 'default' : '')}`,
    `resp=${c.version}`,
    `lib-name=${c.lib.name}`,
    `lib-ver=${c.lib.version}`,
  ].join(' ');
}

export const quit: RespHandler = (_args, connection) => {
  connection.quit();
  return RESP_OK;
};

export const reset: RespHandler = (_args, connection) => {
  connection.state.clear();
  connection.refusedMulti = false;
  connection.version = 2;
  connection.name = undefined;
  return respSimple('RESET');
};

export const ping: RespHandler = (args, c) => (args.length === 1 ? respSimple('PONG') : respBulk(args[1] as string, c.version));

export const echo: RespHandler = (args, c) => respBulk(args[1] as string, c.version);
