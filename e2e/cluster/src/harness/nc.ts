import { connect } from 'node:net';
import { withTimeout } from './wait.js';

/**
 * `echo "LINE" | nc 127.0.0.1 PORT`, as SPEC.md's walkthrough does it: one
 * request line ending in a bare `\n`, the first reply line back.
 */
export function nc(port: number, line: string, timeoutMs = 5000): Promise<string> {
  const reply = new Promise<string>((resolve, reject) => {
    let buffer = '';
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(`${line}\n`));
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      buffer += text;
      const nl = buffer.indexOf('\n');
      if (nl >= 0) {
        socket.end();
        resolve(buffer.slice(0, nl).replace(/\r$/, ''));
      }
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`connection to port ${port} closed before a reply to '${line}'`)));
  });
  return withTimeout(`reply to '${line}' on port ${port}`, reply, timeoutMs);
}
