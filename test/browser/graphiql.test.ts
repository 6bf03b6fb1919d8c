// GraphiQL in a real browser with no network beyond this machine: every request to another host
// is aborted (as it would fail offline), and the editor must still render and run the
// walkthrough's first tab, Start, as it opens. `src/main.ts` runs as its own process in sandbox
// mode; Debian's Chromium is driven by playwright-core.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, LOOPBACK, launchChromium, requireChromium } from '../support/browser.ts';
import {
  type ChildGateway,
  freePort,
  killAllChildGateways,
  startChildGateway,
} from '../support/child-gateway.ts';
import { HANG_MS } from '../support/windows.ts';

let gateway: (ChildGateway & { url: string }) | undefined;
let dir: string | undefined;
let sandboxPort: number;
let iframePort: number;
let context: BrowserContext | undefined;
let page: Page;
const blocked: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  requireChromium();
  dir = mkdtempSync(join(tmpdir(), 'graphiql-browser-'));
  sandboxPort = await freePort();
  // The iframe's own origin: a port of its own, free rather than SANDBOX_PORT + 1.
  iframePort = await freePort();
  gateway = await startChildGateway({
    PORT: String(await freePort()),
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_IFRAME_PORT: String(iframePort),
    // Free rather than SANDBOX_PORT + 2, like the iframe port.
    SANDBOX_META_PORT: String(await freePort()),
    SANDBOX_SENDER_ACTIVATION_MS: '300',
    DATABASE_FILE: join(dir, 'gateway.sqlite'),
    LOG_LEVEL: 'silent',
  });
  context = await launchChromium(dir);
  // Offline: whatever leaves this machine fails, and is remembered.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) && !LOOPBACK.has(url.hostname)) {
      blocked.push(url.href);
      return route.abort('internetdisconnected');
    }
    return route.continue();
  });
  context.setDefaultTimeout(HANG_MS);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
});

afterAll(async () => {
  await context?.close();
  await gateway?.kill('SIGTERM');
  await killAllChildGateways();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Monaco shows spaces as no-break spaces.
const shown = async (editor: ReturnType<Page['locator']>) =>
  (await editor.innerText()).replace(/\u00a0/g, ' ');

describe('GraphiQL offline', () => {
  it('renders its editor and runs the walkthrough as it opens, asking nothing of the network', async () => {
    try {
      await page.goto(`${gateway!.url}/graphql`);
      const query = page.locator('.graphiql-query-editor .view-lines');
      await expect.poll(() => shown(query), { timeout: HANG_MS }).toContain('mutation Start');
      // The variables Start needs are there (and the development key in its headers, or Start
      // would be refused).
      await page
        .getByRole('button', { name: /variables/i })
        .first()
        .click();
      const variables = page.locator('.graphiql-editor-tool .view-lines').first();
      await expect.poll(() => shown(variables)).toContain('clientIdentifier');

      await page.locator('.graphiql-execute-button').click();
      const response = page.locator('.graphiql-response .view-lines');
      await expect
        .poll(() => shown(response), { timeout: HANG_MS })
        .toMatch(/"onboardCustomer"[\s\S]*"iframeUrl"/);
      expect(await shown(response)).not.toMatch(/"errors"/);
      // One tab per operation of the walkthrough; the next ones carry their own variables.
      for (const name of ['Start', 'Watch', 'Read', 'Retry']) {
        await expect.poll(() => page.locator('.graphiql-tab').allInnerTexts()).toContain(name);
      }
      // The tabs can be dragged to reorder them, and may still be sliding into place: a click
      // event, not a pointer's press and release, selects one whatever its position.
      await page.locator('.graphiql-tab-button', { hasText: 'Read' }).dispatchEvent('click');
      await expect.poll(() => shown(query)).toContain('query Read');
      await expect.poll(() => shown(response)).not.toContain('"onboardCustomer"');
      await expect.poll(() => shown(variables)).toContain('clientIdentifier');
      await page.locator('.graphiql-execute-button').click();
      await expect
        .poll(() => shown(response), { timeout: HANG_MS })
        .toMatch(/"onboardings"[\s\S]*"status": "AWAITING_SIGNUP"/);

      // Watch, left running, shows the onboarding reach READY once the customer signs up.
      await page.locator('.graphiql-tab-button', { hasText: 'Watch' }).dispatchEvent('click');
      await expect.poll(() => shown(query)).toContain('subscription Watch');
      // The editor shows the new tab before GraphiQL has switched the operation it would run (on
      // a loaded machine, ▶ then ran Read's name on Watch's text): the tab's own (empty) result
      // pane shows the switch is complete.
      await expect.poll(() => shown(response)).not.toContain('"onboardings"');
      // Nor is that always enough: GraphiQL may still hold Read's operation name a moment longer,
      // and ▶ then answers "Cannot infer operation Read" without sending anything. It stores the
      // tab's operation name once it has taken it from the new text: wait for that.
      await expect
        .poll(() =>
          page.evaluate(() => {
            const state = JSON.parse(localStorage.getItem('graphiql:tabState') ?? 'null') as {
              tabs: { operationName: string | null }[];
              activeTabIndex: number;
            } | null;
            return state?.tabs[state.activeTabIndex]?.operationName ?? null;
          }),
        )
        .toBe('Watch');
      const subscribed = page.waitForResponse((r) =>
        `${r.url()} ${r.request().postData()}`.includes('Watch'),
      );
      await page.locator('.graphiql-execute-button').click();
      expect((await subscribed).status()).toBe(200);
      const signup = await fetch(`http://127.0.0.1:${sandboxPort}/_sandbox/sendzen/signups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ clientIdentifier: 'acme-42', status: 'completed' }),
      });
      expect(signup.ok).toBe(true);
      await expect
        .poll(() => shown(response), { timeout: HANG_MS })
        .toMatch(/"onboardingsUpdated"[\s\S]*"status": "READY"/);
      await page.screenshot({ path: join(ARTIFACTS, 'graphiql-offline.png') });
    } catch (error) {
      await page.screenshot({ path: join(ARTIFACTS, 'graphiql-failed.png') }).catch(() => {});
      throw error;
    }
    expect(blocked).toEqual([]);
    expect(problems).toEqual([]);
  });
});
