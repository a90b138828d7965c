import { readFileSync, rmSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { createClient, noRetry } from '@merklekv/client';
import { ConfigError, validateConfig } from '../config/index.js';
import type { RunningNode } from '../node.js';
import { makeTestCerts, type TestCerts } from './certs.js';
import { runCli } from './cli.js';
import { LineClient, startTestNode } from './harness.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeTestCerts();
});
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

describe('TLS on the client port', () => {
  let node: RunningNode;
  beforeAll(async () => {
    node = await startTestNode({ network: { tls_cert_file: certs.serverCert, tls_key_file: certs.serverKey } }, 'tls-node');
  });
  afterAll(() => node.stop());

  it('serves a TLS client (certificate made in the test) end to end', async () => {
    const client = createClient({ port: node.port, tls: { ca: readFileSync(certs.caFile) }, retry: noRetry });
    await client.set('secure:1', 'over tls');
    expect(await client.get('secure:1')).toBe('over tls');
    await client.close();
  });

  it('refuses a plaintext client cleanly, counts it, and keeps serving TLS clients', async () => {
    const plain = await LineClient.open(node.port);
    plain.send('GET secure:1\r\n');
    await plain.closedByServer();
    await expect(plain.line(100)).rejects.toThrow('connection closed'); // no data came back
    const client = createClient({ port: node.port, tls: { ca: readFileSync(certs.caFile) }, retry: noRetry });
    expect(await client.get('secure:1')).toBe('over tls');
    const stats = await client.stats();
    expect(Number(stats['connections_tls_rejected_connections'])).toBeGreaterThanOrEqual(1);
    await client.close();
  });

  it('a client that does not trust the certificate cannot connect', async () => {
    const client = createClient({ port: node.port, tls: { ca: readFileSync(certs.strangerCert) }, retry: noRetry });
    await expect(client.ping()).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
    client.destroy();
  });

  it('merklekv-cli speaks TLS with --tls --cacert (and MERKLEKV_CACERT)', async () => {
    const flags = await runCli(['--port', String(node.port), '--tls', '--cacert', certs.caFile, 'get', 'secure:1']);
    expect(flags).toMatchObject({ code: 0, stdout: 'over tls\n' });
    const env = await runCli(['--port', String(node.port), 'get', 'secure:1'], { MERKLEKV_TLS: '1', MERKLEKV_CACERT: certs.caFile });
    expect(env).toMatchObject({ code: 0, stdout: 'over tls\n' });
  }, 60_000);
});

describe('client certificates (tls_ca_file)', () => {
  let node: RunningNode;
  beforeAll(async () => {
    node = await startTestNode(
      { network: { tls_cert_file: certs.serverCert, tls_key_file: certs.serverKey, tls_ca_file: certs.caFile } },
      'mtls-node',
    );
  });
  afterAll(() => node.stop());

  it('refuses a TLS client without a certificate, or with one the CA did not sign', async () => {
    for (const extra of [{}, { cert: readFileSync(certs.strangerCert), key: readFileSync(certs.strangerKey) }]) {
      const client = createClient({ port: node.port, tls: { ca: readFileSync(certs.caFile), ...extra }, retry: noRetry });
      await expect(client.ping()).rejects.toBeInstanceOf(Error);
      client.destroy();
    }
  });

  it('serves a client presenting a certificate the CA signed (client and CLI)', async () => {
    const tls = { ca: readFileSync(certs.caFile), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) };
    const client = createClient({ port: node.port, tls, retry: noRetry });
    await client.set('mtls', 'yes');
    expect(await client.get('mtls')).toBe('yes');
    await client.close();
    const cli = await runCli(['--port', String(node.port), '--cacert', certs.caFile, '--cert', certs.clientCert, '--key', certs.clientKey, 'get', 'mtls']);
    expect(cli).toMatchObject({ code: 0, stdout: 'yes\n' });
  }, 60_000);

  it('the handshake itself is refused without a certificate (raw TLS socket)', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ port: node.port, host: '127.0.0.1', ca: readFileSync(certs.caFile) }, () => {
        socket.write('PING\r\n');
      });
      socket.on('data', (d: Buffer) => resolve(`data ${d.toString()}`));
      socket.on('error', (err: Error & { code?: string }) => resolve(`error ${err.code ?? err.message}`));
      socket.on('close', () => resolve('closed'));
    });
    expect(outcome).not.toMatch(/^data/);
  });
});

describe('TLS configuration errors name the option', () => {
  const base = { node_id: 'n', mqtt: { broker_address: 'none' } };

  it('tls_cert_file without tls_key_file (and the reverse), tls_ca_file without a certificate', () => {
    expect(() => validateConfig({ ...base, network: { tls_cert_file: '/x.pem' } })).toThrow(/network\.tls_key_file: is required when tls_cert_file is set/);
    expect(() => validateConfig({ ...base, network: { tls_key_file: '/x.key' } })).toThrow(/network\.tls_cert_file: is required when tls_key_file is set/);
    expect(() => validateConfig({ ...base, network: { tls_ca_file: '/ca.pem' } })).toThrow(/network\.tls_ca_file: needs tls_cert_file/);
    expect(() => validateConfig({ ...base, mqtt: { broker_address: 'mqtts://h:8883', cert_file: '/c.pem' } })).toThrow(/mqtt\.key_file: is required/);
  });

  it('an unreadable file stops the start, naming the option', async () => {
    const failure = await startTestNode({ network: { tls_cert_file: certs.serverCert, tls_key_file: '/nonexistent/key.pem' } }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).message).toMatch(/^network\.tls_key_file: cannot read \/nonexistent\/key\.pem/);
    const mqtt = await startTestNode({ mqtt: { broker_address: 'mqtts://127.0.0.1:1', ca_file: '/nonexistent/ca.pem' } }).catch((e: unknown) => e);
    expect((mqtt as ConfigError).message).toMatch(/^mqtt\.ca_file: cannot read/);
  });
});
