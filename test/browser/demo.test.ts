// The partner-panel demo end to end, in a real browser: `src/main.ts` runs as its own process in
// sandbox mode (so the demo's wiring is covered too), and Debian's Chromium, driven by
// playwright-core, plays the vendor's user and the customer clicking inside the SendZen iframe.
// Screenshots of each state go to test-artifacts/ (git-ignored).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type ChildGateway,
  freePort,
  killAllChildGateways,
  startChildGateway,
} from '../support/child-gateway.ts';
import { HANG_MS, until } from '../support/windows.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const CHROMIUM = '/usr/bin/chromium';
// Without these Chromium keeps trying to reach Google's services; nothing here may leave loopback.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

let gateway: (ChildGateway & { url: string }) | undefined;
let sendzenOrigin: string;
let devKey: string;
let dir: string | undefined;
let context: BrowserContext | undefined;
let page: Page;

interface SeenRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
}
const requests: Promise<SeenRequest>[] = [];
const problems: string[] = [];
const demoAnswers: Promise<string>[] = [];

async function seen(request: Request): Promise<SeenRequest> {
  const headers = await request.allHeaders().catch(() => request.headers());
  return { url: request.url(), method: request.method(), headers, body: request.postData() };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser test needs Debian's Chromium at ${CHROMIUM} (apt-get install chromium); ` +
        "Playwright's own browser download cannot work here. It is not skipped: install it.",
    );
  }
  dir = mkdtempSync(join(tmpdir(), 'demo-browser-'));
  const sandboxPort = await freePort();
  gateway = await startChildGateway({
    PORT: String(await freePort()),
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_SENDER_ACTIVATION_MS: '300',
    DATABASE_FILE: join(dir, 'gateway.sqlite'),
    LOG_LEVEL: 'silent',
    STEP_RETRY_BASE_MS: '20',
  });
  // The fake serves the SendZen iframe from an origin of its own (another port), as SendZen does.
  sendzenOrigin = (
    (await (await fetch(`${gateway.url}/demo/api/config`)).json()) as { sendzenOrigin: string }
  ).sendzenOrigin;
  expect(sendzenOrigin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(sendzenOrigin).not.toBe(`http://127.0.0.1:${sandboxPort}`);
  const printed = /gwk_[A-Za-z0-9_-]+/.exec(gateway.stdout());
  if (!printed) throw new Error(`npm start printed no development key:\n${gateway.output()}`);
  devKey = printed[0];

  mkdirSync(ARTIFACTS, { recursive: true });
  context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1360, height: 900 },
  });
  context.on('request', (request) => requests.push(seen(request)));
  context.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/demo/api/onboardings') || url.pathname === '/demo/api/config') {
      demoAnswers.push(response.text().catch(() => ''));
    }
  });
  // Every wait on the page gives up only when the machine has hung, not when it is merely busy.
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

const statusBadge = (status: string) => `[data-testid="status"][data-status="${status}"]`;

async function waitForStatus(status: string): Promise<void> {
  try {
    await page.waitForSelector(statusBadge(status));
  } catch (error) {
    const shown = await page.locator('[data-testid="status"]').getAttribute('data-status');
    const activity = await page.locator('[data-testid="activity"]').innerText();
    throw new Error(`expected ${status}, the page shows ${shown}; page activity:\n${activity}`, {
      cause: error,
    });
  }
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `demo-${name}.png`), fullPage: true });
}

async function startOnboarding(clientIdentifier: string, displayName: string, region: string) {
  await page.fill('[data-testid="client-identifier"]', clientIdentifier);
  await page.fill('[data-testid="display-name"]', displayName);
  await page.selectOption('[data-testid="region"]', region);
  await page.click('[data-testid="start"]');
  await page.waitForSelector(`[data-testid="onboarding-title"]:text-is("${displayName}")`);
  await waitForStatus('AWAITING_SIGNUP');
}

const iframeUrl = () => page.locator('[data-testid="signup-iframe"]').getAttribute('data-url');

async function waitForNewIframe(previous: string | null): Promise<string> {
  await page.waitForFunction((old) => {
    const frame = document.querySelector<HTMLIFrameElement>('[data-testid="signup-iframe"]');
    return frame?.dataset.url !== undefined && frame.dataset.url !== old;
  }, previous);
  return (await iframeUrl())!;
}

const signupFrame = () => page.frameLocator('[data-testid="signup-iframe"]');

async function stepStatuses(): Promise<Record<string, string>> {
  return page.$$eval('[data-testid="step"]', (rows) =>
    Object.fromEntries(
      rows.map((r) => [(r as HTMLElement).dataset.step, (r as HTMLElement).dataset.status]),
    ),
  );
}

describe('the partner-panel demo at /', () => {
  // A failure leaves what the page showed and said: its screenshot, and its activity log.
  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => {
      await screenshot('failed').catch(() => {});
      const activity = await page
        .locator('[data-testid="activity"]')
        .innerText({ timeout: 1_000 })
        .catch(() => '(none)');
      console.error(`the demo's activity log at the failure:\n${activity}`);
    });
  });

  it('is served with a strict Content-Security-Policy and never hands out the API key', async () => {
    const res = await fetch(`${gateway!.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain(`frame-src ${sendzenOrigin}`);
    const js = await fetch(`${gateway!.url}/demo/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const css = await fetch(`${gateway!.url}/demo/style.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const config = await (await fetch(`${gateway!.url}/demo/api/config`)).json();
    expect(config).toMatchObject({ sendzenOrigin });
    for (const body of [
      await res.text(),
      await js.text(),
      await css.text(),
      JSON.stringify(config),
    ]) {
      expect(body).not.toContain('gwk_');
    }
    const bad = await fetch(`${gateway!.url}/demo/api/onboardings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientIdentifier: '  ', region: 'MARS' }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/clientIdentifier/);
  });

  it('walks a customer to READY: relays the iframe result, refreshes an expiring link', async () => {
    // A fake clock that still runs in real time, so the test can jump to the link's last minutes.
    await page.clock.install();
    await page.goto(`${gateway!.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('[data-testid="feed-state"]:text-is("live")');

    await startOnboarding('acme-bakery', 'Acme Bakery', 'EU');
    await signupFrame().locator('#complete').waitFor();
    expect(await page.locator('[data-testid="step"]').count()).toBe(7);
    expect(await page.locator('[data-testid="action-required"]').isVisible()).toBe(false);

    // A message that is not from SendZen's origin is not relayed.
    await page.evaluate(() =>
      window.postMessage({ status: 'completed', waba_id: '1', phone_number_id: '2' }, '*'),
    );
    await page.getByText('Ignored a message from', { exact: false }).waitFor();
    await screenshot('1-awaiting-signup');

    // Shortly before the link expires the page gets a fresh one (and a fresh token) from its backend.
    const firstLink = await iframeUrl();
    await page.clock.fastForward('58:30');
    const secondLink = await waitForNewIframe(firstLink);
    expect(secondLink.startsWith(`${sendzenOrigin}/`)).toBe(true);
    await page.getByText('Refreshed the SendZen link', { exact: false }).waitFor();

    // Click in the signup iframe's page once it has loaded: a click on a page while its frame
    // navigates is lost with it. Should the page put up yet another link meanwhile (a renewal that
    // lands late on a loaded machine), the click goes to the new one, as a customer's would.
    const relayed = page.getByText('Relayed the signup result', { exact: false });
    await until(async () => {
      const url = await iframeUrl();
      const frame = page.frames().find((f) => url !== null && f.url() === new URL(url).href);
      if (!frame) return undefined;
      await frame.waitForLoadState('load');
      await frame
        .locator('#complete')
        .click({ timeout: 5_000 })
        .catch(() => {});
      return relayed.waitFor({ timeout: 10_000 }).then(
        () => true,
        () => undefined,
      );
    });
    await waitForStatus('READY');

    expect(Object.values(await stepStatuses())).toEqual(Array(7).fill('SUCCEEDED'));
    expect(await page.locator('[data-testid="action-required"]').isVisible()).toBe(false);
    await page.waitForSelector('[data-testid="signup-done"]');
    const sender = await page.locator('[data-testid="sender"]').innerText();
    expect(sender).toMatch(/ACTIVE/);
    const app = await page.locator('[data-testid="conversation-app"]').innerText();
    expect(app).toMatch(/Acme Bakery/);
    expect(app).toMatch(/eu/i);
    expect(await page.locator('[data-testid="webhook"]').count()).toBeGreaterThan(0);
    await screenshot('2-ready');
  });

  it('after a cancelled signup shows ACTION_REQUIRED, and a retry brings a new iframe to READY', async () => {
    await startOnboarding('globex', 'Globex Corporation', 'US');
    const cancelledLink = await iframeUrl();
    await signupFrame().locator('#cancel').click();
    await waitForStatus('ACTION_REQUIRED');

    const action = await page.locator('[data-testid="action-message"]').innerText();
    expect(action).toMatch(/CUSTOMER_SIGNUP/);
    expect(action).toMatch(/cancelled/i);
    expect((await stepStatuses()).CUSTOMER_SIGNUP).toBe('FAILED');
    const error = await page
      .locator('[data-testid="step"][data-step="CUSTOMER_SIGNUP"] [data-testid="step-error"]')
      .innerText();
    expect(error).toMatch(/cancelled/i);
    await page.waitForSelector('[data-testid="retry"]:visible');
    await screenshot('3-action-required');

    await page.click('[data-testid="retry"]');
    await waitForNewIframe(cancelledLink);
    await waitForStatus('AWAITING_SIGNUP');
    await signupFrame().locator('#complete:enabled').click();
    await waitForStatus('READY');
    expect(Object.values(await stepStatuses())).toEqual(Array(7).fill('SUCCEEDED'));
    expect(await page.locator('[data-testid="action-required"]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="webhook"]').count()).toBeGreaterThan(0);
    await screenshot('4-ready-after-retry');
  });

  it('lists every onboarding live, and the browser only ever talked to loopback with session tokens', async () => {
    for (const client of ['acme-bakery', 'globex']) {
      await page.waitForSelector(
        `[data-testid="feed-item"][data-client-identifier="${client}"][data-status="READY"]`,
      );
    }
    expect(await page.locator('[data-testid="feed-item"]').count()).toBe(2);

    // Opening one from the list: the backend issues a session token for it, the page watches it.
    await page.click('[data-testid="feed-item"][data-client-identifier="acme-bakery"] button');
    await page.waitForSelector('[data-testid="onboarding-title"]:text-is("Acme Bakery")');
    await waitForStatus('READY');
    await page.waitForSelector(
      '[data-testid="feed-item"][data-client-identifier="acme-bakery"].selected',
    );

    const all = await Promise.all(requests);
    expect(all.length).toBeGreaterThan(0);
    for (const request of all) {
      const url = new URL(request.url);
      if (['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) {
        expect(LOOPBACK.has(url.hostname), `request outside loopback: ${request.url}`).toBe(true);
      } else {
        expect(['data:', 'blob:', 'about:'], `unexpected request ${request.url}`).toContain(
          url.protocol,
        );
      }
      const everything = JSON.stringify(request);
      expect(everything, `the API key reached the browser: ${request.url}`).not.toContain(devKey);
      expect(everything, `an API key was sent from the browser: ${request.url}`).not.toContain(
        'gwk_',
      );
    }
    // What the browser did send the gateway: session tokens, each for its one onboarding.
    const graphql = all.filter((r) => new URL(r.url).pathname === '/graphql');
    expect(graphql.length).toBeGreaterThan(0);
    for (const request of graphql) expect(request.headers.authorization).toMatch(/^Bearer gws_/);
    // The relay (not only SendZen's webhook) went through, with a session token.
    expect(graphql.some((r) => r.body?.includes('relaySignupResult'))).toBe(true);

    for (const answer of await Promise.all(demoAnswers)) expect(answer).not.toContain('gwk_');
    expect(problems.filter((p) => /Content.Security.Policy|page error/i.test(p))).toEqual([]);
  });
});
