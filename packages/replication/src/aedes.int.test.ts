import { jest } from '@jest/globals';
import { clusterSuite } from './__tests__/cluster-suite.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';

jest.setTimeout(30_000);

describe('replication through the embedded aedes broker', () => {
  let broker: EmbeddedBroker;

  beforeAll(async () => {
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await broker.close();
  });

  it('binds a real port when asked for port 0', () => {
    expect(broker.port).toBeGreaterThan(0);
  });

  clusterSuite(() => `tcp://127.0.0.1:${broker.port}`);
});
