import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, validateConfig } from './load-config.js';

const config = (broker_address: unknown) => validateConfig({ node_id: 'n', mqtt: { broker_address } });

function tomlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mkv-broker-list-')), 'node.toml');
  writeFileSync(file, text);
  return file;
}

describe('mqtt.broker_address', () => {
  it('takes one address or a TOML array of URLs (failover, tried in order)', () => {
    expect(config('tcp://a:1883').mqtt.broker_address).toBe('tcp://a:1883');
    const file = tomlFile('node_id = "n"\n[mqtt]\nbroker_address = ["tcp://site-a:1883", "mqtts://site-b:8883"]\n');
    expect(loadConfig(file).mqtt.broker_address).toEqual(['tcp://site-a:1883', 'mqtts://site-b:8883']);
  });

  it('reads MERKLE_KV_MQTT_BROKER_ADDRESS as a list when it holds commas, as one address otherwise', () => {
    const file = tomlFile('node_id = "n"\n[mqtt]\nbroker_address = "embedded"\n');
    expect(loadConfig(file, { MERKLE_KV_MQTT_BROKER_ADDRESS: 'tcp://a:1883, tcp://b:1883' }).mqtt.broker_address).toEqual(['tcp://a:1883', 'tcp://b:1883']);
    expect(loadConfig(file, { MERKLE_KV_MQTT_BROKER_ADDRESS: '["tcp://a:1883","tcp://b:1883"]' }).mqtt.broker_address).toEqual(['tcp://a:1883', 'tcp://b:1883']);
    expect(loadConfig(file, { MERKLE_KV_MQTT_BROKER_ADDRESS: 'tcp://a:1883' }).mqtt.broker_address).toBe('tcp://a:1883');
    expect(loadConfig(file, { MERKLE_KV_MQTT_BROKER_ADDRESS: 'none' }).mqtt.broker_address).toBe('none');
    expect(() => loadConfig(file, { MERKLE_KV_MQTT_BROKER_ADDRESS: 'tcp://a:1883,embedded' })).toThrow(/mqtt\.broker_address\.1: "embedded" cannot be part of a broker list/);
  });

  it.each([
    [['embedded', 'tcp://b:1883'], /mqtt\.broker_address\.0: "embedded" cannot be part of a broker list: give only broker URLs, or "embedded" alone/],
    [['tcp://a:1883', 'none'], /mqtt\.broker_address\.1: "none" cannot be part of a broker list/],
    [['tcp://a:1883', 'localhost'], /mqtt\.broker_address\.1: must be a URL like tcp:\/\/host:1883/],
    [[], /mqtt\.broker_address: must hold at least one broker URL/],
    [['tcp://a:1883', 'tcp://a:1883'], /mqtt\.broker_address: lists tcp:\/\/a:1883 twice/],
    ['localhost', /mqtt\.broker_address: must be "embedded", "none" or a URL/],
    [1883, /mqtt\.broker_address: must be a URL, a list of URLs, "embedded" or "none"/],
  ])('refuses %j with a message naming the option', (value, message) => {
    expect(() => config(value)).toThrow(message);
  });
});
