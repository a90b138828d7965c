import { describe, expect, it } from '@jest/globals';
import { validateConfig } from '../config/index.js';
import { basicAuth, parseBasic } from './basic-auth.js';

const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const security = (s: Record<string, unknown>) => validateConfig({ node_id: 'n', mqtt: { broker_address: 'none' }, security: s }).security;

describe('basicAuth', () => {
  it('is off when [security] sets no password and no user (a cluster secret alone is for peers)', () => {
    expect(basicAuth(security({}))).toBeUndefined();
    expect(basicAuth(security({ cluster_secret: 'a-long-cluster-secret' }))).toBeUndefined();
  });

  it('accepts admin users and the shared password; refuses other roles, wrong passwords and other schemes', () => {
    const check = basicAuth(security({ password: 'shared-pw', users: { ops: { password: 'ops:pw', role: 'admin' }, bob: { password: 'bob-pw', role: 'write' } } }));
    expect(check?.(header('ops', 'ops:pw'))).toEqual({ ok: true, user: 'ops' }); // a colon in the password is kept
    expect(check?.(header('whoever', 'shared-pw'))).toEqual({ ok: true, user: 'whoever' });
    expect(check?.(header('bob', 'bob-pw'))).toEqual({ ok: false, reason: 'invalid' });
    expect(check?.(header('bob', 'shared-pw'))).toEqual({ ok: false, reason: 'invalid' });
    expect(check?.(header('ops', 'nope'))).toEqual({ ok: false, reason: 'invalid' });
    expect(check?.(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(check?.('Bearer x')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('without a shared password, only users can sign in', () => {
    const check = basicAuth(security({ users: { ops: { password: 'ops-pw', role: 'admin' } } }));
    expect(check?.(header('ghost', ''))).toEqual({ ok: false, reason: 'invalid' });
    expect(check?.(header('ghost', '\0no shared password'))).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('parseBasic', () => {
  it('splits user and password at the first colon; rejects what is not basic auth', () => {
    expect(parseBasic(header('a', 'b:c'))).toEqual({ user: 'a', password: 'b:c' });
    expect(parseBasic(`basic ${Buffer.from('x:').toString('base64')}`)).toEqual({ user: 'x', password: '' });
    expect(parseBasic(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBeUndefined();
    expect(parseBasic('Basic')).toBeUndefined();
    expect(parseBasic(undefined)).toBeUndefined();
  });
});
