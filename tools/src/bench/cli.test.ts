import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadBench, runCli, USAGE } from './cli.js';

describe('runCli', () => {
  let dir: string;
  let url: URL;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-cli-'));
    url = pathToFileURL(`${dir}/`);
    writeFileSync(join(dir, 'merkle.js'), 'export async function benchMerkle(argv) { return `merkle ${argv.join(" ")}`; }\n');
    writeFileSync(join(dir, 'replication.js'), 'export const somethingElse = 1;\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints usage without a subcommand or with --help', async () => {
    await expect(runCli([], url)).resolves.toBe(USAGE);
    await expect(runCli(['--', '--help'], url)).resolves.toBe(USAGE);
  });

  it('dispatches to a sibling bench with its arguments, skipping a forwarded --', async () => {
    await expect(runCli(['--', 'merkle', '--keys', '10'], url)).resolves.toBe('merkle --keys 10');
  });

  it('names a missing bench file or export', async () => {
    await expect(runCli(['replication'], url)).rejects.toMatchObject({ code: 'MISSING_BENCH', message: expect.stringMatching(/benchReplication/) });
    await expect(loadBench(url, 'absent', 'benchAbsent')).rejects.toMatchObject({ code: 'MISSING_BENCH', message: expect.stringMatching(/absent\.ts does not exist/) });
  });

  it('rejects an unknown subcommand', async () => {
    await expect(runCli(['frob'], url)).rejects.toMatchObject({ code: 'UNKNOWN_SUBCOMMAND' });
  });

  it('kv --help returns the kv usage', async () => {
    await expect(runCli(['kv', '--help'], url)).resolves.toMatch(/--connections N/);
  });
});
