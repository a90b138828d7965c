import { describe, expect, it } from '@jest/globals';
import { parseGlobalOptions } from './options.js';
import { renderProgress } from './progress.js';
import { complete, historyPath, promptFor } from './repl.js';

describe('global options', () => {
  it('env gives the defaults; flags override; options stop at the command', () => {
    const env = { MERKLEKV_HOST: 'db.local', MERKLEKV_PORT: '9000' };
    expect(parseGlobalOptions(['get', 'k', '--json'], env)).toMatchObject({ host: 'db.local', port: 9000, json: false, command: 'get', args: ['k', '--json'] });
    expect(parseGlobalOptions(['--host', 'h', '--port=1234', '--json', 'set', 'k', 'v'], env)).toMatchObject({ host: 'h', port: 1234, json: true, command: 'set', args: ['k', 'v'] });
    expect(parseGlobalOptions([], {})).toMatchObject({ host: '127.0.0.1', port: 7878, command: undefined });
  });

  it('bad values are usage errors', () => {
    for (const argv of [['--port', '0'], ['--port', '70000'], ['--port'], ['--what'], ['--timeout', 'x']]) {
      expect(() => parseGlobalOptions(argv, {})).toThrow(expect.objectContaining({ code: 'USAGE' }));
    }
    expect(() => parseGlobalOptions([], { MERKLEKV_PORT: 'abc' })).toThrow(/MERKLEKV_PORT/);
  });
});

describe('TLS and authentication options', () => {
  it('flags and MERKLEKV_* give TLS files and credentials; a CA alone implies --tls', () => {
    expect(parseGlobalOptions(['--tls', '--cacert', 'ca.pem', '--cert=c.pem', '--key', 'k.pem', 'ping'], {})).toMatchObject({
      tls: { ca: 'ca.pem', cert: 'c.pem', key: 'k.pem' },
      command: 'ping',
    });
    expect(parseGlobalOptions(['ping'], { MERKLEKV_CACERT: 'ca.pem' }).tls).toEqual({ ca: 'ca.pem', cert: undefined, key: undefined });
    expect(parseGlobalOptions(['ping'], { MERKLEKV_TLS: '1' }).tls).toEqual({ ca: undefined, cert: undefined, key: undefined });
    expect(parseGlobalOptions(['ping'], {}).tls).toBeUndefined();
    expect(parseGlobalOptions(['--user', 'alice', 'ping'], { MERKLEKV_PASSWORD: 's3cret' })).toMatchObject({ user: 'alice', password: 's3cret' });
    expect(parseGlobalOptions(['--password', 'x', 'ping'], {})).toMatchObject({ user: undefined, password: 'x' });
  });

  it('refuses half a client certificate, a user without a password and a bad MERKLEKV_TLS', () => {
    expect(() => parseGlobalOptions(['--cert', 'c.pem', 'ping'], {})).toThrow(/--cert and --key/);
    expect(() => parseGlobalOptions(['--user', 'alice', 'ping'], {})).toThrow(/--user needs --password/);
    expect(() => parseGlobalOptions(['ping'], { MERKLEKV_TLS: 'yes' })).toThrow(/MERKLEKV_TLS/);
  });
});

describe('interactive helpers', () => {
  it('prompt shows host:port; history path honours MERKLEKV_HISTORY', () => {
    expect(promptFor('127.0.0.1', 7878)).toBe('127.0.0.1:7878> ');
    expect(historyPath({ MERKLEKV_HISTORY: '/tmp/h' })).toBe('/tmp/h');
    expect(historyPath({})).toMatch(/\.merklekv_history$/);
  });

  it('tab completion completes command names (also after help)', () => {
    expect(complete('ge')).toEqual([['get', 'getv'], 'ge']);
    expect(complete('help mg')).toEqual([['mget'], 'mg']);
    expect(complete('get k')).toEqual([[], 'get k']);
  });
});

describe('progress', () => {
  it('renders keys, keys/s and an ETA', () => {
    expect(renderProgress(50_000, 2000, 0.5, 10)).toBe('[#####.....]  50%  50,000 keys  25,000 keys/s  ETA 2s');
    expect(renderProgress(10, 1000, undefined)).toBe('10 keys  10 keys/s');
  });
});
