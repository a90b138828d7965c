/**
 * Every example of docs/PROTOCOL.md, sent to a real node in document order
 * (one session, so an example may rely on the ones before it), with the
 * reply the document shows. Replies that depend on time or on the machine
 * (INFO, STATS, HASH, TREE, LEAF, BACKUP, SYNC, peer challenges) are compared
 * by shape: every number stands for any number, every hex string for any hex
 * string, a path for any path, and a `< ...` line for any number of lines.
 * Everything else must match exactly.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isErrorLine, isMultiLineReply, parseCommandLine } from '@merklekv/protocol';
import { LineClient, REPO_ROOT, startTestNode } from './harness.js';

/** One `> request` with the `< reply` lines under it. */
interface Example {
  readonly section: string;
  readonly request: string;
  readonly reply: readonly string[];
}

function examples(): Example[] {
  const doc = readFileSync(join(REPO_ROOT, 'docs/PROTOCOL.md'), 'utf8');
  const out: Example[] = [];
  let section = '';
  let inBlock = false;
  let current: { section: string; request: string; reply: string[] } | undefined;
  for (const line of doc.split('\n')) {
    if (line.startsWith('#')) section = line.replace(/^#+\s*/, '');
    if (line.startsWith('```')) {
      inBlock = !inBlock;
      continue;
    }
    if (!inBlock) continue;
    if (line.startsWith('> ')) {
      current = { section, request: line.slice(2), reply: [] };
      out.push(current);
    } else if (line.startsWith('< ') && current !== undefined) {
      current.reply.push(line.slice(2));
    }
  }
  return out;
}

/** Sections whose replies depend on time, randomness or the machine: compared by shape. */
const BY_SHAPE = new Set(['INFO', 'STATS', 'HASH', 'TREE path', 'LEAF path [cursor]', 'BACKUP', 'SYNC host:port', 'Peer authentication', 'DBSIZE', 'GETV key [key ...]', 'TTL key / PTTL key', 'Peer protocol 2']);

/** A reply line with its variable parts replaced by placeholders. */
function shape(line: string): string {
  return line
    .replace(/\/[^\s]*\/[^\s]*/g, '<path>')
    .replace(/\b[0-9a-f]*\.\.\.[0-9a-f]*\b/g, '<hex>')
    .replace(/\b(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/g, '<hex>')
    .replace(/\b[0-9a-f]{16,}\b/g, '<hex>')
    .replace(/-?\b\d+\b/g, '<n>')
    .replace(/\b(node|merklekv)-[\w-]+\b/g, '<node>');
}

/** Sections whose replies end in packed base64url summaries (of hashes, so time-dependent): that last token stands for any. */
const PACKED = new Set(['Peer protocol 3']);

/** A reply line with a final base64url token (4 characters or more) replaced by a placeholder. */
function packedShape(line: string): string {
  return line.replace(/(^| )[A-Za-z0-9_-]{4,}$/, '$1<base64url>');
}

/** Compares the doc's reply with the node's; `< ...` in the doc matches any number of lines. */
function matches(expected: readonly string[], actual: readonly string[], byShape: boolean | ((line: string) => string)): boolean {
  const norm = typeof byShape === 'function' ? byShape : byShape ? shape : (line: string) => line;
  const same = (e: string, a: string): boolean => norm(e) === norm(a);
  const go = (i: number, j: number): boolean => {
    if (i === expected.length) return j === actual.length;
    if (expected[i] === '...') {
      for (let k = j; k <= actual.length; k++) if (go(i + 1, k)) return true;
      return false;
    }
    return j < actual.length && same(expected[i] as string, actual[j] as string) && go(i + 1, j + 1);
  };
  return go(0, 0);
}

/** Reads one reply: one line, or every line up to `END` for a multi-line command. */
async function reply(client: LineClient, request: string): Promise<string[]> {
  const first = await client.line();
  let multi = false;
  try {
    multi = isMultiLineReply(parseCommandLine(request).type);
  } catch {
    multi = false;
  }
  if (!multi || isErrorLine(first)) return [first];
  const lines = [first];
  while (!/^END( |$)/.test(lines[lines.length - 1] as string)) lines.push(await client.line());
  return lines;
}

describe('docs/PROTOCOL.md examples, against a node', () => {
  const all = examples();

  it('has examples with replies', () => {
    expect(all.filter((e) => e.reply.length > 0).length).toBeGreaterThan(75);
  });

  it('every reply is the one the document shows', async () => {
    const peer = await startTestNode({ anti_entropy: { enabled: true, interval_seconds: 3600 } }, 'doc-peer');
    const node = await startTestNode(
      { anti_entropy: { enabled: true, interval_seconds: 3600 }, storage: { data_dir: mkdtempSync(join(tmpdir(), 'merklekv-doc-')) } },
      'node-alpha',
    );
    const secured = await startTestNode({ security: { users: { alice: { password: 'correct horse', role: 'admin' } } } }, 'doc-secured');
    const mismatches: string[] = [];
    const clients = new Map<number, LineClient>();
    const clientFor = async (port: number): Promise<LineClient> => {
      let client = clients.get(port);
      if (client === undefined) {
        client = await LineClient.open(port);
        clients.set(port, client);
      }
      return client;
    };
    try {
      for (const example of all) {
        if (example.reply.length === 0) continue;
        // Peer authentication needs the cluster's secret and fresh nonces: checked by cluster-security tests.
        if (example.section === 'Peer authentication') continue;
        const port = example.section.startsWith('AUTH') ? secured.port : node.port;
        const request = example.request.replace('127.0.0.1:7879', `127.0.0.1:${peer.port}`);
        if (/^SHUTDOWN\b/.test(request)) {
          // Last thing a session does: on a node of its own.
          const own = await startTestNode({}, 'doc-shutdown');
          const client = await LineClient.open(own.port);
          client.send(`${request}\r\n`);
          const got = await reply(client, request);
          if (!matches(example.reply, got, false)) mismatches.push(`${request}\n  doc:  ${example.reply.join(' | ')}\n  node: ${got.join(' | ')}`);
          await own.stopped;
          continue;
        }
        const client = await clientFor(port);
        client.send(`${request}\r\n`);
        const got = await reply(client, request);
        if (!matches(example.reply, got, PACKED.has(example.section) ? packedShape : BY_SHAPE.has(example.section))) {
          mismatches.push(`[${example.section}] ${request}\n  doc:  ${example.reply.join(' | ')}\n  node: ${got.join(' | ')}`);
        }
      }
    } finally {
      for (const client of clients.values()) client.close();
      await Promise.all([node.stop(), peer.stop(), secured.stop()]);
    }
    expect(mismatches).toEqual([]);
  }, 60_000);
});
