/**
 * Global options: `[-h|--host H] [-p|--port P] [--json] [--timeout MS] [--tls --cacert FILE
 * [--cert FILE --key FILE]] [--user U] [--password P] <command> [args...]`, and
 * `--help`, `--version`. As in redis-cli, `-h` takes a host; `-h` with nothing
 * after it (or followed by another option) asks for help.
 * Options come before the command; everything after it belongs to the command.
 * `MERKLEKV_HOST`, `MERKLEKV_PORT`, `MERKLEKV_TLS` (1/true), `MERKLEKV_CACERT`,
 * `MERKLEKV_CERT`, `MERKLEKV_KEY`, `MERKLEKV_USER` and `MERKLEKV_PASSWORD`
 * give the defaults (a password in the environment stays out of `ps`).
 */
import { usageError } from './errors.js';

/** The parsed command line. */
export interface GlobalOptions {
  readonly host: string;
  readonly port: number;
  readonly json: boolean;
  readonly timeoutMs: number;
  readonly help: boolean;
  /** `--version`: print the CLI's version and exit. */
  readonly version: boolean;
  /** The command name, or undefined for interactive mode. */
  readonly command: string | undefined;
  readonly args: readonly string[];
  /** Connect with TLS; the files are PEM paths. Undefined = plain TCP. */
  readonly tls: TlsFiles | undefined;
  /** Sent as `AUTH [user] password` on connect. */
  readonly user: string | undefined;
  readonly password: string | undefined;
}

/** The PEM files of a TLS connection: CA bundle to trust, and a client certificate with its key. */
export interface TlsFiles {
  readonly ca: string | undefined;
  readonly cert: string | undefined;
  readonly key: string | undefined;
}

/** @default host when neither --host nor MERKLEKV_HOST is given */
export const DEFAULT_HOST = '127.0.0.1';
/** @default port when neither --port nor MERKLEKV_PORT is given */
export const DEFAULT_PORT = 7878;
/** @default reply timeout in ms */
export const DEFAULT_TIMEOUT_MS = 10_000;

function parsePort(text: string, from: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw usageError(`${from} must be a port number 1-65535, got '${text}'`);
  return port;
}

/**
 * Parses argv (without `node` and the script).
 * @throws CliError (USAGE) on an unknown option or a bad value
 */
export function parseGlobalOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): GlobalOptions {
  let host = env['MERKLEKV_HOST'] !== undefined && env['MERKLEKV_HOST'] !== '' ? env['MERKLEKV_HOST'] : DEFAULT_HOST;
  const envPort = env['MERKLEKV_PORT'];
  let port = envPort !== undefined && envPort !== '' ? parsePort(envPort, 'MERKLEKV_PORT') : DEFAULT_PORT;
  let json = false;
  let help = false;
  let version = false;
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  const envText = (name: string): string | undefined => (env[name] !== undefined && env[name] !== '' ? env[name] : undefined);
  const envTls = envText('MERKLEKV_TLS');
  if (envTls !== undefined && !['1', 'true', '0', 'false'].includes(envTls)) throw usageError(`MERKLEKV_TLS must be 1, true, 0 or false, got '${envTls}'`);
  let tls = envTls === '1' || envTls === 'true';
  let ca = envText('MERKLEKV_CACERT');
  let cert = envText('MERKLEKV_CERT');
  let key = envText('MERKLEKV_KEY');
  let user = envText('MERKLEKV_USER');
  let password = envText('MERKLEKV_PASSWORD');
  let i = 0;
  const value = (name: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const next = argv[i + 1];
    if (next === undefined) throw usageError(`${name} needs a value`);
    i += 1;
    return next;
  };
  for (; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--') {
      i += 1;
      break;
    }
    if (!token.startsWith('-') || token === '-') break;
    const eq = token.indexOf('=');
    const name = eq > 0 ? token.slice(0, eq) : token;
    const inline = eq > 0 ? token.slice(eq + 1) : undefined;
    switch (name) {
      case '-h':
        // redis-cli's `-h HOST`; a bare `-h` (last, or before another option) still means help.
        if (inline === undefined && (argv[i + 1] === undefined || argv[i + 1]?.startsWith('-') === true)) {
          help = true;
          break;
        }
        host = value(name, inline);
        if (host === '') throw usageError('-h needs a host');
        break;
      case '--host':
        host = value(name, inline);
        if (host === '') throw usageError('--host needs a value');
        break;
      case '--port':
      case '-p':
        port = parsePort(value(name, inline), '--port');
        break;
      case '--timeout': {
        const t = value(name, inline);
        if (!/^\d+$/.test(t)) throw usageError(`--timeout must be milliseconds, got '${t}'`);
        timeoutMs = Number(t);
        break;
      }
      case '--json':
        json = true;
        break;
      case '--tls':
        tls = true;
        break;
      case '--cacert':
        ca = value(name, inline);
        break;
      case '--cert':
        cert = value(name, inline);
        break;
      case '--key':
        key = value(name, inline);
        break;
      case '--user':
        user = value(name, inline);
        break;
      case '--password':
        password = value(name, inline);
        break;
      case '--help':
        help = true;
        break;
      case '--version':
      case '-v':
        version = true;
        break;
      default:
        throw usageError(`unknown option '${token}' (try --help)`);
    }
  }
  if ((cert === undefined) !== (key === undefined)) throw usageError('--cert and --key go together (a client certificate needs its key)');
  if (!tls && (ca !== undefined || cert !== undefined)) tls = true; // a CA or a certificate only makes sense over TLS
  if (user !== undefined && password === undefined) throw usageError('--user needs --password (or MERKLEKV_PASSWORD)');
  return {
    host,
    port,
    json,
    timeoutMs,
    help,
    version,
    command: argv[i],
    args: argv.slice(i + 1),
    tls: tls ? { ca, cert, key } : undefined,
    user,
    password,
  };
}
