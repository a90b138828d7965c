/**
 * Failover between TLS brokers whose certificates name different hosts: the
 * server name checked against each broker's certificate must be that
 * broker's own, not the first one the connection dialled.
 */
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, Mosquitto } from './__tests__/mosquitto.js';
import { waitFor } from './__tests__/wait-for.js';
import { createMqttPubSub } from './mqtt-pubsub.js';

jest.setTimeout(40_000);

/** A CA and two server certificates: `dns` for DNS:localhost only, `ip` for IP:127.0.0.1 only. */
function makeCerts(dir: string): void {
  const openssl = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe', timeout: 30_000 });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...key, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=failover-test-ca']);
  for (const [name, san] of [['dns', 'DNS:localhost'], ['ip', 'IP:127.0.0.1']] as const) {
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
    openssl(['req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=failover-${name}`]);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`]);
    chmodSync(join(dir, `${name}.key`), 0o644); // mosquitto reads it as its own user
  }
  chmodSync(dir, 0o755);
}

describe('failover between TLS brokers', () => {
  it('checks each broker against its own host name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mkv-failover-tls-'));
    makeCerts(dir);
    const tlsListener = async (name: 'dns' | 'ip'): Promise<Mosquitto> => {
      const port = await freePort();
      const config = `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\ncertfile ${join(dir, `${name}.pem`)}\nkeyfile ${join(dir, `${name}.key`)}\n`;
      return Mosquitto.start({ port, config });
    };
    const first = await tlsListener('dns');
    const second = await tlsListener('ip');
    const brokers = [`mqtts://localhost:${first.port}`, `mqtts://127.0.0.1:${second.port}`];
    const pubsub = createMqttPubSub({ brokerUrl: brokers, clientId: 'tls-mover', reconnectBackoff: () => 20, tls: { ca: readFileSync(join(dir, 'ca.pem')) } });
    try {
      await waitFor('connected to the first broker (checked as localhost)', () => pubsub.connected && pubsub.broker === brokers[0]);
      await first.kill();
      await waitFor('connected to the second broker (checked as 127.0.0.1)', () => pubsub.connected && pubsub.broker === brokers[1], 15_000);
    } finally {
      await pubsub.close();
      await first.stop();
      await second.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
