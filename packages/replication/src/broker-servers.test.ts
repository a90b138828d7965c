import { brokerServers } from './broker-servers.js';
import { ReplicationErrorCode } from './errors.js';

describe('brokerServers', () => {
  it('splits one address or a list into the servers mqtt.js rotates through, in order', () => {
    expect(brokerServers('tcp://a.example:1884')).toEqual([{ address: 'tcp://a.example:1884', url: 'mqtt://a.example:1884', host: 'a.example', port: 1884, protocol: 'mqtt' }]);
    expect(brokerServers(['tcp://a.example', 'mqtts://b.example', 'tcp://[::1]:2000'])).toEqual([
      { address: 'tcp://a.example', url: 'mqtt://a.example', host: 'a.example', port: 1883, protocol: 'mqtt' },
      { address: 'mqtts://b.example', url: 'mqtts://b.example', host: 'b.example', port: 8883, protocol: 'mqtts' },
      { address: 'tcp://[::1]:2000', url: 'mqtt://[::1]:2000', host: '::1', port: 2000, protocol: 'mqtt' },
    ]);
    expect(brokerServers(['ws://a:9001/mqtt', 'wss://b/mqtt']).map((s) => [s.protocol, s.port])).toEqual([
      ['ws', 9001],
      ['wss', 443],
    ]);
  });

  it.each([
    [[], /empty/],
    [['tcp://a:1883', 'amqp://b:5672'], /unsupported broker scheme 'amqp'/],
    [['tcp://a:1883', 'mqtt://a:1883'], /'mqtt:\/\/a:1883' appears twice/],
    [['ws://a/mqtt', 'ws://b/other'], /share their WebSocket path/],
  ])('refuses %j with INVALID_BROKER_URL', (list, message) => {
    expect(() => brokerServers(list)).toThrow(expect.objectContaining({ code: ReplicationErrorCode.INVALID_BROKER_URL, message: expect.stringMatching(message) }));
  });
});
