// The partner-panel demo end to end, in a real browser: `src/main.ts` runs as its own process in
// sandbox mode (so the demo's wiring is covered too), and Debian's Chromium, driven by
// playwright-core, plays the vendor's user and the customer clicking inside the SendZen iframe or,
// on Meta's path, in the fake's stand-in for Meta's Embedded Signup window (a real popup).
// Screenshots of each state go to test-artifacts/ (git-ignored); with DEMO_README_SCREENSHOTS=1
// the README's pictures in docs/images/ are taken again too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ARTIFACTS, LOOPBACK, launchChromium, ROOT, requireChromium } from '../support/browser.ts';
import {
  type ChildGateway,
  freePort,
  killAllChildGateways,
  startChildGateway,
} from '../support/child-gateway.ts';
import { HANG_MS, until } from '../support/windows.ts';

const README_IMAGES = join(ROOT, 'docs/images');
const README_SCREENSHOTS = process.env.DEMO_README_SCREENSHOTS === '1';

let gateway: (ChildGateway & { url: string }) | undefined;
let sendzenOrigin: string;
/** The fake's own port, where its controls answer (the iframe's origin is another). */
let fakeUrl: string;
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
  // What the page gave the request, read at once: the headers as sent (`allHeaders`) can wait
  // forever for a request a navigation cut off, and the page sets every header that matters here.
  return {
    url: request.url(),
    method: request.method(),
    headers: request.headers(),
    body: request.postData(),
  };
}

beforeAll(async () => {
  requireChromium();
  dir = mkdtempSync(join(tmpdir(), 'demo-browser-'));
  const sandboxPort = await freePort();
  fakeUrl = `http://127.0.0.1:${sandboxPort}`;
  // The iframe's own origin: a port of its own, free rather than SANDBOX_PORT + 1.
  const iframePort = await freePort();
  gateway = await startChildGateway({
    PORT: String(await freePort()),
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_IFRAME_PORT: String(iframePort),
    // Free rather than SANDBOX_PORT + 2, like the iframe port.
    SANDBOX_META_PORT: String(await freePort()),
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

  context = await launchChromium(dir);
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

async function screenshot(name: string, readmeImage?: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `demo-${name}.png`), fullPage: true });
  if (readmeImage && README_SCREENSHOTS) {
    await page.screenshot({ path: join(README_IMAGES, readmeImage), fullPage: true });
  }
}

const text = (testId: string) => page.locator(`[data-testid="${testId}"]`).innerText();

/** How far the page scrolls sideways (0 when it fits), and the widest elements sticking out. */
const sidewaysOverflow = () =>
  page.evaluate(() => {
    const root = document.scrollingElement!;
    const width = root.clientWidth;
    const outside = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 0.5)
      // What sticks out inside a box that scrolls on its own (a wide table) moves no page.
      .filter((e) => {
        for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
          if (getComputedStyle(a).overflowX !== 'visible') return false;
        }
        return true;
      })
      .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > width + 0.5))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className}`);
    return { overflow: root.scrollWidth - width, outside };
  });

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
    // The fake's named scenarios, the happy path first (and chosen).
    const scenarios = await page.locator('[data-testid="scenario"] option').allInnerTexts();
    expect(scenarios[0]).toBe('Happy path');
    expect(scenarios.some((s) => s.startsWith('rejected:'))).toBe(true);
    expect(await page.locator('[data-testid="scenario"]').inputValue()).toBe('');

    await startOnboarding('acme-bakery', 'Acme Bakery', 'EU');
    await signupFrame().locator('#complete').waitFor();
    expect(await page.locator('[data-testid="step"]').count()).toBe(7);
    expect(await page.locator('[data-testid="action-required"]').isVisible()).toBe(false);
    // Where it stands, in plain words: the step, what it waits for, how long that usually takes.
    await page.waitForSelector(
      '[data-testid="progress-title"]:text-is("Step 4 of 7: Customer signup")',
    );
    const progress = await text('progress-detail');
    expect(progress).toMatch(/Waiting for the customer to complete the signup/);
    expect(progress).toMatch(/Usually .*minutes/);
    expect(await page.locator('#ob-meta').innerText()).toMatch(/acme-bakery · Europe · started/);
    expect(await page.locator('[data-testid="ready-details"]').isVisible()).toBe(false);

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
    // Done once the page relayed the result, or once SendZen's webhook confirmed the signup first:
    // the page then takes the iframe down, and the iframe's own message, still on its way, with it.
    const relayed = page
      .getByText('Relayed the signup result', { exact: false })
      .or(page.locator('[data-testid="signup-done"]'))
      .first();
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
    expect(app).toMatch(/Europe/);

    // READY is not a dead end: what to do next, with this customer's own ids.
    expect(await text('progress-title')).toBe('All 7 steps done: ready to message');
    expect(await page.locator('[data-testid="cancel"]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="refresh-link"]').isVisible()).toBe(false);
    const senderId = await page.locator('[data-testid="sender"] dd code').first().innerText();
    const appId = await page
      .locator('[data-testid="conversation-app"] dd code')
      .first()
      .innerText();
    const next = await text('next-steps');
    expect(next).toContain(senderId);
    expect(next).toContain(appId);
    expect(next).toContain('https://eu.conversation.api.sinch.com/v1/projects/');
    expect(next).toContain('messages:send');
    expect(next).toMatch(/README, section “Send a first message”/);
    await screenshot('2-ready', 'demo-ready.png');
  });

  it('sends a test message from the READY screen: the delivery and the reply show live; a bad recipient is refused in words', async () => {
    // Acme Bakery, READY from the test before, is on the page.
    await waitForStatus('READY');
    // textContent: the heading is shown in capitals.
    expect(await page.locator('[data-testid="ready-title"]').textContent()).toBe(
      'Ready to message',
    );
    expect(await page.locator('[data-testid="health"]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="messages-empty"]').isVisible()).toBe(true);
    const sendsSoFar = async () =>
      (
        (await (await fetch(`${fakeUrl}/_sandbox/journal?upstream=conversation`)).json()) as {
          entries: { method: string; path?: string }[];
        }
      ).entries.filter((e) => e.method === 'POST' && e.path?.endsWith('/messages:send')).length;
    const before = await sendsSoFar();

    // A recipient that is not a phone number: refused in words, nothing is sent.
    await page.fill('[data-testid="message-to"]', '0701-CALL-ME');
    await page.click('[data-testid="send-message"]');
    await page.waitForSelector('[data-testid="send-message-error"]:visible');
    expect(await text('send-message-error')).toMatch(/not sent: to: is a phone number in E\.164/);
    expect(await page.locator('[data-testid="test-message"]').count()).toBe(0);
    expect(await sendsSoFar()).toBe(before);

    // The text comes prefilled with the customer's name.
    expect(await page.locator('[data-testid="message-text"]').inputValue()).toBe(
      'Hello from Acme Bakery',
    );
    const to = '+46701234567';
    await page.fill('[data-testid="message-to"]', to);
    await page.click('[data-testid="send-message"]');
    const sent = `[data-testid="test-message"][data-to="${to}"]`;
    await page.waitForSelector(sent);
    expect(await page.locator('[data-testid="send-message-error"]').isVisible()).toBe(false);
    await page.waitForSelector(`${sent}[data-status="DELIVERED"]`);
    expect(await page.locator(sent).innerText()).toMatch(/Hello from Acme Bakery/);
    expect(await page.locator(sent).innerText()).toMatch(/delivered \d/);
    expect(await sendsSoFar()).toBe(before + 1);
    await screenshot('2b-test-message-delivered');

    // The contact answers on WhatsApp: the fake plays it as Sinch's signed MESSAGE_INBOUND.
    const appId = await page
      .locator('[data-testid="conversation-app"] dd code')
      .first()
      .innerText();
    const inbound = await fetch(`${fakeUrl}/_sandbox/conversation/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appId, from: to, text: 'It works! 🎉' }),
    });
    expect(inbound.status).toBe(202);
    await page.waitForSelector(
      `${sent} [data-testid="message-reply-text"]:text-is("It works! 🎉")`,
    );
    expect(await page.locator(`${sent} [data-testid="message-reply"]`).innerText()).toMatch(
      /^Reply at \d/,
    );
    expect(await page.locator('[data-testid="test-message"]').count()).toBe(1);
    await waitForStatus('READY');
    await screenshot('2c-test-message-reply');
  });

  it('after a cancelled signup shows ACTION_REQUIRED, and a retry brings a new iframe to READY', async () => {
    await startOnboarding('globex', 'Globex Corporation', 'US');
    const cancelledLink = await iframeUrl();
    await signupFrame().locator('#cancel').click();
    await waitForStatus('ACTION_REQUIRED');

    expect(await text('action-title')).toBe('Customer signup: action required');
    const action = await text('action-message');
    expect(action).toMatch(/did not finish the signup/);
    expect(action).toMatch(/cancelled/i);
    expect(await text('action-todo')).toMatch(/Retry: the customer gets a new signup link/);
    expect(await page.locator('[data-testid="failure-details"]').innerText()).toBe('Details');
    expect(await page.locator('[data-testid="refresh-link"]').isVisible()).toBe(false);
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

  it('explains a failed sender in plain words, with the code under Details and no Retry where a retry cannot help', async () => {
    // The next sender Sinch creates fails: the partner's account has no WhatsApp pricing plan.
    const scripted = await fetch(`${fakeUrl}/_sandbox/sinch/sender-outcomes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'ERROR', errorCode: 'NO_PRICING_PLAN' }),
    });
    expect(scripted.status).toBe(201);

    await startOnboarding('initech', 'Initech', 'BR');
    await signupFrame().locator('#complete:enabled').click();
    await waitForStatus('ACTION_REQUIRED');

    expect(await text('action-title')).toBe('WhatsApp sender: action required');
    expect(await text('action-message')).toMatch(/has not accepted the WhatsApp pricing plan/);
    expect(await text('action-todo')).toMatch(/Accept the WhatsApp pricing plan/);
    // The gateway calls a sender error retryable, but a retry repeats it until billing is fixed.
    expect(await page.locator('[data-testid="retry"]').isVisible()).toBe(false);
    // The engineers' words only under Details.
    expect(await text('action-message')).not.toContain('NO_PRICING_PLAN');
    await page.locator('[data-testid="action-required"] summary').click();
    const details = await page.locator('[data-testid="failure-details"]').innerText();
    expect(details).toContain('NO_PRICING_PLAN');
    expect(details).toContain('sinch-provisioning');
    expect(details).toContain('WHATSAPP_SENDER');
    // Not "Ready to message": the sender exists, but in error.
    expect(await page.locator('[data-testid="ready-details"]').isVisible()).toBe(false);
    expect(await text('progress-title')).toBe('Step 5 of 7: WhatsApp sender');
    expect(await text('progress-detail')).toMatch(/This step failed: see below for what to do\.$/);
    expect(await page.locator('#ob-meta').innerText()).toMatch(/initech · Brazil/);
    const failed = await page
      .locator('[data-testid="step"][data-step="WHATSAPP_SENDER"] [data-testid="step-error"]')
      .innerText();
    expect(failed).toMatch(/pricing plan/);
    await screenshot('5-sender-error', 'demo-action-required.png');
  });

  it('refreshes the signup link on request, and cancels an onboarding', async () => {
    await startOnboarding('umbrella', 'Umbrella Corp', 'US');
    await page.waitForSelector(
      '[data-testid="progress-title"]:text-is("Step 4 of 7: Customer signup")',
    );
    const before = await iframeUrl();
    await page.click('[data-testid="refresh-link"]');
    const after = await waitForNewIframe(before);
    expect(after).not.toBe(before);
    await page
      .getByText('Refreshed the SendZen link: you asked for one', { exact: false })
      .waitFor();

    // Cancel asks once more before it acts.
    await page.click('[data-testid="cancel"]');
    await page.waitForSelector('[data-testid="cancel-confirm"]:visible');
    await page.click('[data-testid="cancel-keep"]');
    await page.waitForSelector('[data-testid="cancel"]:visible');
    expect(await page.locator('[data-testid="cancel-confirm"]').isVisible()).toBe(false);
    await page.click('[data-testid="cancel"]');
    await page.click('[data-testid="cancel-yes"]');
    await waitForStatus('CANCELLED');
    expect(await text('progress-title')).toBe('Cancelled at step 4 of 7 (Customer signup)');
    expect(await page.locator('[data-testid="cancel"]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="refresh-link"]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="signup-iframe"]').count()).toBe(0);
    await page.waitForSelector(
      '[data-testid="feed-item"][data-client-identifier="umbrella"][data-status="CANCELLED"]',
    );
  });

  it('searches and filters the feed', async () => {
    const shown = () =>
      page.$$eval('[data-testid="feed-item"]', (items) =>
        items.map((i) => (i as HTMLElement).dataset.clientIdentifier).sort(),
      );
    await page.waitForSelector('[data-testid="feed-count"]:text-is("4 in all")');
    await page.fill('[data-testid="feed-search"]', 'INIT');
    expect(await shown()).toEqual(['initech']);
    expect(await text('feed-count')).toBe('1 of 4 shown');
    await page.fill('[data-testid="feed-search"]', 'nobody-by-that-name');
    expect(await shown()).toEqual([]);
    expect(await page.locator('#feed-empty').innerText()).toBe('No onboarding matches.');
    await page.fill('[data-testid="feed-search"]', '');
    await page.selectOption('[data-testid="feed-status"]', 'READY');
    expect(await shown()).toEqual(['acme-bakery', 'globex']);
    await page.selectOption('[data-testid="feed-status"]', 'ACTION_REQUIRED');
    expect(await shown()).toEqual(['initech']);
    // The feed says what went wrong in the same plain words.
    expect(await page.locator('[data-testid="feed-item"] .feed-problem').innerText()).toMatch(
      /pricing plan/,
    );
    await page.selectOption('[data-testid="feed-status"]', 'CANCELLED');
    expect(await shown()).toEqual(['umbrella']);
    await page.selectOption('[data-testid="feed-status"]', '');
    expect(await shown()).toEqual(['acme-bakery', 'globex', 'initech', 'umbrella']);
  });

  it('works from 360 px wide: nothing scrolls sideways', async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    try {
      for (const [client, status] of [
        ['acme-bakery', 'READY'],
        ['initech', 'ACTION_REQUIRED'],
      ] as const) {
        await page.click(`[data-testid="feed-item"][data-client-identifier="${client}"] button`);
        await waitForStatus(status);
        await page.waitForSelector('[data-testid="progress-title"]:not(:text-is("Loading…"))');
        const { overflow, outside } = await sidewaysOverflow();
        expect(overflow, `${client} at 360 px: ${outside.join(', ')}`).toBeLessThanOrEqual(0);
      }
      await screenshot('6-narrow', 'demo-narrow.png');
      // A new onboarding, with the SendZen iframe, fits too.
      await startOnboarding('stark', 'Stark Industries', 'EU');
      await signupFrame().locator('#complete').waitFor();
      const { overflow, outside } = await sidewaysOverflow();
      expect(overflow, `a new onboarding at 360 px: ${outside.join(', ')}`).toBeLessThanOrEqual(0);
    } finally {
      await page.setViewportSize({ width: 1360, height: 900 });
    }
  });
});

describe('every sandbox scenario the demo offers', () => {
  /** What the customer does in the iframe for each scenario that is about the signup. */
  const BUTTON: Record<string, string> = {
    'customer-cancels': '#cancel',
    'signup-error': '#error',
    'slow-signup': '#slow',
  };

  it('plays each from the start form to the end a real onboarding would reach', async () => {
    const catalogue = (
      (await (await fetch(`${fakeUrl}/_sandbox/scenarios`)).json()) as {
        scenarios: { name: string; endsIn: string }[];
      }
    ).scenarios;
    const offered = (
      await page
        .locator('[data-testid="scenario"] option')
        .evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))
    ).filter((value) => value !== '');
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.sort()).toEqual(
      catalogue
        .map((s) => s.name)
        .filter((name) => name !== 'happy')
        .sort(),
    );

    for (const name of offered) {
      const endsIn = catalogue.find((s) => s.name === name)!.endsIn;
      const expected = endsIn.startsWith('ACTION_REQUIRED') ? 'ACTION_REQUIRED' : 'READY';
      await page.selectOption('[data-testid="scenario"]', name);
      await startOnboarding(`sc-${name}`, `Scenario ${name}`, 'EU');
      await clickInSignup(BUTTON[name] ?? '#complete');
      try {
        await waitForStatus(expected);
      } catch (error) {
        throw new Error(`scenario ${name} (ends in ${endsIn})`, { cause: error });
      }
    }
    await page.selectOption('[data-testid="scenario"]', '');
  });
});

/**
 * Clicks a button of the signup iframe's page once it has loaded (a click while the frame
 * navigates is lost with it), again should the page have put up a newer link meanwhile.
 */
async function clickInSignup(selector: string): Promise<void> {
  await until(async () => {
    const url = await iframeUrl();
    const frame = page.frames().find((f) => url !== null && f.url() === new URL(url).href);
    if (!frame) return undefined;
    await frame.waitForLoadState('load');
    return frame
      .locator(selector)
      .click({ timeout: 5_000 })
      .then(
        () => true,
        () => undefined,
      );
  });
}

describe('Meta’s Embedded Signup on the page, and more numbers', () => {
  /** The fake's stand-in for Meta: its SDK, its signup window, the origin its messages come from. */
  let metaOrigin: string;
  let nextNumber = 910_000_000_000_000;
  const freshNumber = () => {
    nextNumber += 1;
    return String(nextNumber);
  };
  /** The first customer's number: another customer's to be refused. */
  let takenNumber: string;

  beforeAll(async () => {
    const sandbox = (await (await fetch(`${fakeUrl}/_sandbox`)).json()) as {
      urls: { meta: string };
    };
    metaOrigin = new URL(sandbox.urls.meta).origin;
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => {
      await screenshot('meta-failed').catch(() => {});
    });
  });

  async function startOnMeta(clientIdentifier: string, displayName: string) {
    await page.selectOption('[data-testid="signup-path"]', 'META_EMBEDDED_SIGNUP');
    await startOnboarding(clientIdentifier, displayName, 'EU');
    // Enabled once Meta's SDK (the stand-in) has loaded and FB.init has run.
    await page.waitForSelector('[data-testid="launch-meta"]:enabled');
  }

  /** Launch from a click, as a customer would; the stand-in's signup window opens as a popup. */
  async function launch(): Promise<Page> {
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.click('[data-testid="launch-meta"]'),
    ]);
    await popup.waitForLoadState('load');
    expect(new URL(popup.url()).origin).toBe(metaOrigin);
    return popup;
  }

  const relayCount = async () =>
    (await Promise.all(requests)).filter(
      (r) => new URL(r.url).pathname === '/graphql' && r.body?.includes('relayMetaSignup'),
    ).length;

  async function signupOf(clientIdentifier: string) {
    const res = await fetch(`${gateway!.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${devKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        query: /* GraphQL */ `query($search: String!) { onboardings(search: $search, first: 1) {
          edges { node { status signup { status metaEvent } } } } }`,
        variables: { search: clientIdentifier },
      }),
    });
    const body = (await res.json()) as {
      data: { onboardings: { edges: { node: { status: string; signup: unknown } }[] } };
    };
    return body.data.onboardings.edges[0]!.node;
  }

  it('ignores, and says so, a well-formed FINISH posted from an origin that is not Meta’s: nothing is relayed', async () => {
    await page.goto(`${gateway!.url}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await startOnMeta('meta-spoofed', 'Spoofed Shop');
    expect(await page.locator('[data-testid="signup-iframe"]').count()).toBe(0);
    const before = await relayCount();
    const finish = JSON.stringify({
      type: 'WA_EMBEDDED_SIGNUP',
      event: 'FINISH',
      data: { phone_number_id: freshNumber(), waba_id: freshNumber(), business_id: '1' },
      version: 3,
    });

    // From a frame on the SendZen iframe's origin (the only one this page may frame)...
    await page.evaluate((src) => {
      const frame = document.createElement('iframe');
      frame.src = src;
      frame.dataset.spoof = 'true';
      document.body.append(frame);
    }, `${sendzenOrigin}/`);
    const frame = (await (await page.waitForSelector('iframe[data-spoof]')).contentFrame())!;
    await frame.waitForLoadState('load');
    await frame.evaluate((message) => window.parent.postMessage(message, '*'), finish);
    await page.getByText(`Ignored a message from ${sendzenOrigin}: not Meta's origin`).waitFor();
    // ...and from the page's own origin.
    await page.evaluate((message) => window.postMessage(message, '*'), finish);
    await page
      .getByText(`Ignored a message from ${new URL(gateway!.url).origin}: not Meta's origin`)
      .waitFor();
    await page.evaluate(() => document.querySelector('iframe[data-spoof]')?.remove());

    expect(await relayCount()).toBe(before);
    expect(await signupOf('meta-spoofed')).toMatchObject({
      status: 'AWAITING_SIGNUP',
      signup: null,
    });
    expect(await text('meta-outcome')).toBe('Not launched yet.');
  });

  it('takes a customer to READY through Meta’s Embedded Signup, then adds a second number live', async () => {
    await startOnMeta('meta-shop', 'Meta Shop');
    await page.waitForSelector(
      '[data-testid="progress-title"]:text-is("Step 3 of 6: Customer signup")',
    );
    expect(await page.locator('[data-testid="step"]').count()).toBe(6);
    expect(await text('progress-detail')).toMatch(
      /Meta’s Embedded Signup, launched from this page/,
    );

    const popup = await launch();
    takenNumber = await popup.inputValue('#phone-number-id');
    await popup.click('[data-event="FINISH"]');
    await page.getByText('Relayed Meta’s FINISH to the gateway', { exact: false }).waitFor();
    await waitForStatus('READY');
    expect(await text('signup-done')).toContain(`phone number id ${takenNumber}`);
    const first = `[data-testid="number"][data-phone-number-id="${takenNumber}"]`;
    await page.waitForSelector(`${first}[data-status="READY"]`);
    expect(await page.locator(first).innerText()).toMatch(/first number/);
    await screenshot('7-meta-ready');

    const second = freshNumber();
    await page.fill('[data-testid="add-number-input"]', second);
    await page.click('[data-testid="add-number"]');
    const added = `[data-testid="number"][data-phone-number-id="${second}"]`;
    await page.waitForSelector(added);
    await page.waitForSelector(`${added}[data-status="READY"]`);
    await waitForStatus('READY');
    const steps = await page
      .locator(`${added} [data-testid="number-step"]`)
      .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.status));
    expect(steps).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(await page.locator('[data-testid="number"]').count()).toBe(2);
    expect(await page.locator('[data-testid="add-number-error"]').isVisible()).toBe(false);
    await screenshot('8-meta-second-number');
  });

  it('FINISH_ONLY_WABA: waits for a number; a number Sinch refuses is explained with its code, another one reaches READY', async () => {
    await startOnMeta('meta-waba-only', 'WABA Only Shop');
    const popup = await launch();
    await popup.click('[data-event="FINISH_ONLY_WABA"]');
    await waitForStatus('AWAITING_PHONE_NUMBER');
    await page.waitForSelector('[data-testid="numbers-note"]:visible');
    expect(await text('numbers-note')).toMatch(/without a phone number, so the onboarding waits/);
    expect(await text('signup-done')).toMatch(/shared without a phone number/);

    // Another customer's number: Sinch refuses it, and the page says why in plain words.
    await page.fill('[data-testid="add-number-input"]', takenNumber);
    await page.click('[data-testid="add-number"]');
    await page.waitForSelector('[data-testid="add-number-error"]:visible');
    const refused = await text('add-number-error');
    expect(refused).toMatch(/another WhatsApp sender already uses it/);
    expect(refused).toContain('used_phone_number_id');
    expect(await page.locator('[data-testid="number"]').count()).toBe(0);

    const number = freshNumber();
    await page.fill('[data-testid="add-number-input"]', number);
    await page.click('[data-testid="add-number"]');
    await page.waitForSelector(
      `[data-testid="number"][data-phone-number-id="${number}"][data-status="READY"]`,
    );
    await waitForStatus('READY');
    expect(await page.locator('[data-testid="add-number-error"]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="numbers-note"]').isVisible()).toBe(false);
  });

  it('CANCEL in Meta’s window: the page says at which step the customer left, and offers the launch again', async () => {
    await startOnMeta('meta-leaves', 'Leaving Shop');
    const popup = await launch();
    await popup.selectOption('#current-step', 'PHONE_NUMBER_SETUP');
    await popup.click('[data-event="CANCEL"]');
    await waitForStatus('ACTION_REQUIRED');
    await page.waitForSelector('[data-testid="meta-outcome"][data-kind="left"]');
    expect(await text('meta-outcome')).toMatch(
      /left Meta’s Embedded Signup while adding their phone number \(PHONE_NUMBER_SETUP\)/,
    );
    expect(await text('action-message')).toMatch(/left Meta’s Embedded Signup/);
    expect(await page.locator('[data-testid="retry"]').isVisible()).toBe(false);
    await page.waitForSelector('[data-testid="launch-meta"]:enabled');
    expect(await signupOf('meta-leaves')).toMatchObject({
      status: 'ACTION_REQUIRED',
      signup: { status: 'FAILED', metaEvent: 'CANCEL' },
    });
  });

  it('fits 360 px on Meta’s path, with numbers', async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    try {
      await page.click('[data-testid="feed-item"][data-client-identifier="meta-shop"] button');
      await page.waitForSelector('[data-testid="number"] >> nth=1');
      const { overflow, outside } = await sidewaysOverflow();
      expect(overflow, `meta-shop at 360 px: ${outside.join(', ')}`).toBeLessThanOrEqual(0);
      await page.click('[data-testid="feed-item"][data-client-identifier="meta-leaves"] button');
      await page.waitForSelector('[data-testid="launch-meta"]:enabled');
      const narrow = await sidewaysOverflow();
      expect(narrow.overflow, narrow.outside.join(', ')).toBeLessThanOrEqual(0);
    } finally {
      await page.setViewportSize({ width: 1360, height: 900 });
    }
  });

  it('after READY shows the channel’s health in words: a low quality keeps the send form, a suspension replaces it', async () => {
    const item = '[data-testid="feed-item"][data-client-identifier="meta-shop"]';
    await page.click(`${item} button`);
    await page.waitForSelector('[data-testid="onboarding-title"]:text-is("Meta Shop")');
    await waitForStatus('READY');
    const onboardingId = (await page.locator(item).getAttribute('data-onboarding-id'))!;
    const senderId = await page.locator('[data-testid="sender"] dd code').first().innerText();
    const control = async (path: string, body: unknown) => {
      const res = await fetch(`${fakeUrl}/_sandbox/sinch/senders/${senderId}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.ok, `${path}: ${res.status}`).toBe(true);
    };

    // Meta rates the number RED: a callback says so; messages can still be sent.
    await control('health', { qualityRating: 'RED' });
    await waitForStatus('QUALITY_LOW');
    await page.waitForSelector('[data-testid="health"][data-state="QUALITY_LOW"]:visible');
    expect(await text('health-title')).toMatch(/quality low/i);
    expect(await page.locator('[data-testid="send-message-form"]').isVisible()).toBe(true);
    expect(await page.locator('[data-testid="ready-title"]').textContent()).toBe(
      'Ready to message',
    );

    // Suspended: no callback, so the partner's backend checks; nothing can be sent.
    await control('state', { state: 'SUSPENDED' });
    const res = await fetch(`${gateway!.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${devKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        query: /* GraphQL */ `mutation($id: ID!) { checkSenderHealth(onboardingId: $id) {
          __typename ... on Error { message } } }`,
        variables: { id: onboardingId },
      }),
    });
    expect(((await res.json()) as { data: unknown }).data).toEqual({
      checkSenderHealth: { __typename: 'CheckSenderHealthSuccess' },
    });
    await waitForStatus('SENDER_SUSPENDED');
    await page.waitForSelector('[data-testid="health"][data-can-send="false"]:visible');
    expect(await text('health-title')).toMatch(/suspended the number: nothing can be sent/);
    expect(await page.locator('[data-testid="send-message-form"]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid="ready-title"]').textContent()).toBe(
      'Cannot send messages now',
    );
    expect(await page.locator('[data-testid="next-steps"]').isVisible()).toBe(false);
    await screenshot('9-sender-suspended');
  });

  it('loaded Meta’s SDK within the page’s policy, and the popup too talked only to loopback', async () => {
    const all = await Promise.all(requests);
    expect(all.some((r) => r.url === `${metaOrigin}/sdk.js`)).toBe(true);
    for (const request of all) {
      const url = new URL(request.url);
      if (['http:', 'https:'].includes(url.protocol)) {
        expect(LOOPBACK.has(url.hostname), `request outside loopback: ${request.url}`).toBe(true);
      }
      expect(JSON.stringify(request), request.url).not.toContain('gwk_');
    }
    expect(problems.filter((p) => /Content.Security.Policy|page error/i.test(p))).toEqual([]);
  });
});

describe('the panel’s backend as the vendor’s: signed events', () => {
  it('shows every event the gateway POSTed, each signature verified, and a forged POST refused', async () => {
    // The page registered its backend as an event endpoint when it loaded; the onboardings above
    // changed since, and their events reached it signed.
    await page.waitForSelector(
      '[data-testid="vendor-event"][data-type="status.changed"][data-verified="true"]',
    );
    expect(await page.locator('[data-testid="vendor-event"][data-verified="false"]').count()).toBe(
      0,
    );

    // A POST nobody signed with the endpoint's secret: refused, and shown as such.
    const forged = JSON.stringify({ id: '1', type: 'status.changed', clientIdentifier: 'forged' });
    const res = await fetch(`${gateway!.url}/demo/api/vendor-events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'gateway-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
      },
      body: forged,
    });
    expect(res.status).toBe(401);
    await page.waitForSelector('[data-testid="vendor-event"][data-verified="false"]');
    expect(
      await page.locator('[data-testid="vendor-event"][data-verified="false"]').innerText(),
    ).toMatch(/forged.*refused: mismatch/s);
  });
});
