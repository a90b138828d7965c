import { validateConfig } from './config/index.js';
import { changedOptions, planReload } from './reload.js';

const base = validateConfig({ node_id: 'n', mqtt: { broker_address: 'none' }, anti_entropy: { peer_list: ['127.0.0.1:1'] } });

describe('planReload', () => {
  it('applies reloadable options and names the ones that need a restart', () => {
    const next = validateConfig({
      node_id: 'renamed',
      mqtt: { broker_address: 'none' },
      logging: { level: 'debug' },
      network: { bind_port: 9999, max_connections: 5 },
      anti_entropy: { peer_list: ['127.0.0.1:2'], interval_seconds: 7 },
    });
    const { config, report } = planReload(base, next);
    expect(report.applied).toEqual(['anti_entropy.interval_seconds', 'anti_entropy.peer_list', 'logging.level', 'network.max_connections']);
    expect(report.restartRequired).toEqual(['network.bind_port', 'node_id']);
    expect(config.logging.level).toBe('debug');
    expect(config.anti_entropy.peer_list).toEqual(['127.0.0.1:2']);
    expect(config.node_id).toBe('n');
    expect(config.network.bind_port).toBe(7878);
  });

  it('finds no change between equal configurations', () => {
    expect(changedOptions(base, structuredClone(base))).toEqual([]);
  });
});
