import { PROTOCOL_VERSION } from '@merklekv/protocol';
console.log('args', process.argv.slice(2), PROTOCOL_VERSION);
