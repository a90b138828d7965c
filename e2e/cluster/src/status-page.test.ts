/**
 * The status page in a real browser (Debian's chromium, driven by
 * playwright-core) against a real 3-node cluster (built nodes, mosquitto,
 * fault proxies on every link, static topology): node-1's page shows three
 * nodes in sync; node-3 is cut off (broker and peer links) and the page flags
 * it unreachable within one refresh plus 1.5 s; writes go on meanwhile; after
 * healing, node-3 catches up and the page shows it back in sync. Then, on a
 * second cluster, node-3 loses only its broker and falls behind while still
 * reachable: the page flags it diverged, counting the seconds. Screenshots go
 * to the tests' log folders.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './harness/browser.js';
import { report } from './harness/report.js';
import { cleanupClusters, withCluster } from './harness/scenario.js';
import { sleep } from '@merklekv/test-support';

jest.setTimeout(180_000);

let browser: Browser | undefined;
afterEach(cleanupClusters);
afterAll(async () => {
  await browser?.close();
  await cleanupClusters();
});

/** The page's refresh interval (`refreshSeconds` in /cluster). */
const REFRESH_MS = 2000;
/**
 * A cut peer is flagged by the first refresh after the cut: the page fetches
 * /cluster one interval after the previous answer, the view (cached 1 s, so
 * built anew at every 2 s refresh) probes the cut peer, whose proxy resets at
 * once. Bound: one refresh interval plus 1.5 s for building the view and
 * rendering it on a loaded 2-core machine.
 */
const FLAG_BOUND_MS = REFRESH_MS + 1500;
/**
 * A node that is reachable but behind: counted from the moment node-2 holds
 * the writes, the refresh on screen may still show a probe taken while they
 * were in flight (node-2 differing for a moment), so the bound is two
 * refreshes plus the same 1.5 s.
 */
const DIVERGED_BOUND_MS = 2 * REFRESH_MS + 1500;

/** Each row's node id and state, as the page shows them now. */
async function rows(page: Page): Promise<Record<string, string>> {
  const trs = page.locator('#rows tr');
  const out: Record<string, string> = {};
  for (let i = 0, n = await trs.count(); i < n; i++) {
    const tr = trs.nth(i);
    out[(await tr.getAttribute('data-node-id')) ?? '?'] = (await tr.getAttribute('data-state')) ?? '?';
  }
  return out;
}

/** Polls the page until it shows exactly `expected` (node id → state); returns how long that took. */
async function waitForRows(page: Page, expected: Record<string, string>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  const want = JSON.stringify(Object.entries(expected).sort());
  let seen: Record<string, string> = {};
  while (Date.now() - started < timeoutMs) {
    seen = await rows(page).catch(() => ({}));
    if (JSON.stringify(Object.entries(seen).sort()) === want) return Date.now() - started;
    await sleep(50);
  }
  throw new Error(`the page did not show ${want} within ${timeoutMs} ms; it shows ${JSON.stringify(seen)}`);
}

describe('the status page in a browser', () => {
  it('shows three nodes in sync, flags a node cut off, and shows it back in sync after healing', async () => {
    await withCluster({ name: 'status-page', nodes: 3, broker: 'mosquitto', topology: 'static', intervalSeconds: 1, admin: true }, async (cluster) => {
      const n1 = cluster.node(1).client();
      for (let i = 0; i < 200; i++) expect(await n1.set(`page:${i}`, `v${i}`)).toBe('OK');
      await cluster.waitConverged();

      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1180, height: 330 } });
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`http://127.0.0.1:${String(cluster.node(1).spec.adminPort)}/`);

      // 1. Three nodes, in sync.
      const inSync = { 'node-1': 'self', 'node-2': 'in-sync', 'node-3': 'in-sync' };
      await waitForRows(page, inSync, 15_000);
      expect(await page.textContent('#summary')).toBe('3 of 3 in sync');
      const keys = await page.locator('#rows tr td:nth-child(3)').allTextContents();
      expect(keys).toEqual(['200', '200', '200']);
      await page.screenshot({ path: join(cluster.dir, 'status-in-sync.png'), fullPage: true });

      // 2. Cut node-3 off: it is flagged within the bound.
      cluster.isolate(3);
      const flaggedMs = await waitForRows(page, { ...inSync, 'node-3': 'unreachable' }, FLAG_BOUND_MS);
      expect(await page.textContent('#summary')).toBe('1 of 3 unreachable');
      const reason = await page.textContent('tr[data-node-id="node-3"] .err');
      expect(reason).toMatch(/ECONNRESET|ECONNREFUSED|closed|socket|no answer/i);
      // Writes node-3 misses while it is cut off.
      for (let i = 0; i < 50; i++) expect(await n1.set(`cut:${i}`, `w${i}`)).toBe('OK');
      await page.screenshot({ path: join(cluster.dir, 'status-node-3-cut.png'), fullPage: true });

      // 3. Heal: node-3 catches up and the page shows it in sync again.
      cluster.healAll();
      const healedMs = await waitForRows(page, inSync, 30_000);
      await cluster.waitConverged();
      await waitForRows(page, inSync, 10_000);
      const keysAfter = await page.locator('#rows tr td:nth-child(3)').allTextContents();
      expect(keysAfter).toEqual(['250', '250', '250']);
      await page.screenshot({ path: join(cluster.dir, 'status-healed.png'), fullPage: true });
      expect(errors).toEqual([]);
      report('status-page', { flagged_ms: flaggedMs, flag_bound_ms: FLAG_BOUND_MS, back_in_sync_ms: healedMs, screenshots: cluster.dir });
    });
  });

  it('flags a reachable node whose root differs, with for how long, until it catches up', async () => {
    // Anti-entropy every 30 s (±20%, and once at start): for the few seconds
    // below only MQTT can carry writes, so cutting node-3's broker link leaves
    // it reachable (node-1 probes it through its peer link) but behind.
    await withCluster({ name: 'status-page-diverged', nodes: 3, broker: 'mosquitto', topology: 'static', intervalSeconds: 30, admin: true }, async (cluster) => {
      const n1 = cluster.node(1).client();
      for (let i = 0; i < 20; i++) expect(await n1.set(`d:${i}`, `v${i}`)).toBe('OK');
      await cluster.waitConverged();
      browser ??= await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1180, height: 330 } });
      await page.goto(`http://127.0.0.1:${String(cluster.node(1).spec.adminPort)}/`);
      const inSync = { 'node-1': 'self', 'node-2': 'in-sync', 'node-3': 'in-sync' };
      await waitForRows(page, inSync, 15_000);

      cluster.event('cut node-3 from the broker');
      cluster.brokerLink(3)?.cut();
      for (let i = 0; i < 20; i++) expect(await n1.set(`behind:${i}`, `w${i}`)).toBe('OK');
      // A probe taken while those writes are still crossing the broker sees node-2's root differ for a
      // moment too (writes in flight, not divergence). Wait until node-2 holds them: from then on only
      // node-3 differs, and the next refresh must show exactly that.
      const n2 = cluster.node(2).client();
      const replicatedBy = Date.now() + 30_000;
      while ((await n2.get('behind:19')) !== 'w19' && Date.now() < replicatedBy) await sleep(50);
      expect(await n2.get('behind:19')).toBe('w19');
      const flaggedMs = await waitForRows(page, { ...inSync, 'node-3': 'diverged' }, DIVERGED_BOUND_MS);
      expect(await page.textContent('#summary')).toBe('1 of 3 diverged');
      // The divergence clock runs: "diverged Ns" with N counting up.
      const pill = page.locator('tr[data-node-id="node-3"] td:nth-child(2) .pill');
      const deadline = Date.now() + 10_000;
      while (!/^diverged [3-9]s$/.test((await pill.textContent()) ?? '') && Date.now() < deadline) await sleep(200);
      expect(await pill.textContent()).toMatch(/^diverged [3-9]s$/);
      expect(await page.textContent('tr[data-node-id="node-3"] td:nth-child(4)')).toContain('≠ ours');
      await page.screenshot({ path: join(cluster.dir, 'status-node-3-diverged.png'), fullPage: true });

      cluster.healAll();
      const healedMs = await waitForRows(page, inSync, 30_000);
      await cluster.waitConverged();
      expect(await page.locator('#rows tr td:nth-child(3)').allTextContents()).toEqual(['40', '40', '40']);
      report('status-page-diverged', { flagged_ms: flaggedMs, flag_bound_ms: DIVERGED_BOUND_MS, back_in_sync_ms: healedMs });
    });
  });
});
