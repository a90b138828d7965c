import { BenchError } from './errors.js';
import { parseKvOptions, parseMix } from './kv-options.js';

describe('parseKvOptions', () => {
  it('has the documented defaults', () => {
    expect(parseKvOptions([])).toMatchObject({
      connections: 50,
      pipelines: [1, 16],
      mixes: [
        { label: 'SET', getRatio: 0 },
        { label: 'GET', getRatio: 1 },
      ],
      keySpace: 100_000,
      valueSize: 32,
      broker: 'mosquitto',
      antiEntropy: true,
      hotKeySpace: 10_000,
      requests: 200_000,
      durationMs: 10_000,
      servers: ['merklekv', 'redis'],
      host: undefined,
      nodeMode: 'auto',
      json: false,
    });
  });

  it('reads every option', () => {
    const o = parseKvOptions([
      '--connections=8', '--pipeline', '4', '--mix', '0.9', '--keyspace', '100', '--value-size', '10',
      '--requests', '1000', '--duration', '0.5', '--servers', 'redis', '--host', '::1', '--port', '7000', '--pid', '42',
      '--redis-port', '6400', '--node', 'tsx', '--broker', 'none', '--anti-entropy', 'off', '--hot-keyspace', '0', '--node-arg=--cpu-prof', '--node-arg=--cpu-prof-dir=/tmp/p', '--seed', '3', '--json',
    ]);
    expect(o).toMatchObject({
      connections: 8, pipelines: [4], mixes: [{ label: '90% GET', getRatio: 0.9 }], keySpace: 100, valueSize: 10,
      requests: 1000, durationMs: 500, servers: ['redis'], host: '::1', port: 7000, pid: 42,
      redisHost: '127.0.0.1', redisPort: 6400, nodeMode: 'tsx', broker: 'none', antiEntropy: false, hotKeySpace: 0, nodeArgs: ['--cpu-prof', '--cpu-prof-dir=/tmp/p'], seed: 3, json: true,
    });
  });

  it('rejects bad values, naming the option', () => {
    expect(() => parseKvOptions(['--connections', '0'])).toThrow(/--connections must be an integer ≥ 1, got '0'/);
    expect(() => parseKvOptions(['--pipeline', '1,x'])).toThrow(/--pipeline/);
    expect(() => parseKvOptions(['--servers', 'memcached'])).toThrow(/'memcached'/);
    expect(parseKvOptions(['--servers', 'merklekv,redis,baseline']).servers).toEqual(['merklekv', 'redis', 'baseline']);
    expect(() => parseKvOptions(['--host', 'h'])).toThrow(/--host needs --port/);
    expect(() => parseKvOptions(['--duration', '-1'])).toThrow(/--duration/);
    expect(() => parseKvOptions(['--frobnicate'])).toThrow(BenchError);
    expect(() => parseKvOptions(['--broker', 'rabbit'])).toThrow(/--broker must be mosquitto, none or a broker URL/);
    expect(parseKvOptions(['--broker', 'mqtt://127.0.0.1:1883']).broker).toBe('mqtt://127.0.0.1:1883');
    expect(() => parseKvOptions(['--anti-entropy', 'yes'])).toThrow(/--anti-entropy must be on or off/);
  });
});

describe('parseMix', () => {
  it('reads set, get and fractions', () => {
    expect(parseMix('GET')).toEqual({ label: 'GET', getRatio: 1 });
    expect(parseMix('0.5')).toEqual({ label: '50% GET', getRatio: 0.5 });
    expect(() => parseMix('1.5')).toThrow(/GET fraction/);
  });
});
