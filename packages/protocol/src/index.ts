export const PROTOCOL_VERSION = '1.0.0';
