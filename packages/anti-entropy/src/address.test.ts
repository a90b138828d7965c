import { describe, expect, it } from '@jest/globals';
import { thrownCode } from './__tests__/fixtures.js';
import fc from 'fast-check';
import { formatPeerAddress, parsePeerAddress } from './address.js';

describe('parsePeerAddress', () => {
  it('parses host:port and [v6]:port', () => {
    expect(parsePeerAddress('127.0.0.1:7878')).toEqual({ host: '127.0.0.1', port: 7878 });
    expect(parsePeerAddress(' node-2.local:1 ')).toEqual({ host: 'node-2.local', port: 1 });
    expect(parsePeerAddress('[::1]:65535')).toEqual({ host: '::1', port: 65535 });
  });

  it.each(['', 'host', ':7878', 'host:', 'host:0', 'host:65536', 'host:12x', 'a b:1', '::1:80'])('rejects %j', (bad) => {
    expect(thrownCode(() => parsePeerAddress(bad))).toBe('INVALID_ADDRESS');
  });

  it('round-trips through formatPeerAddress', () => {
    const host = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6());
    fc.assert(
      fc.property(host, fc.integer({ min: 1, max: 65535 }), (h, port) => {
        const address = formatPeerAddress({ host: h, port });
        expect(parsePeerAddress(address)).toEqual({ host: h, port });
      }),
    );
  });
});
