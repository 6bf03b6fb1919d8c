// GraphiQL as `npm start` serves it on loopback: it must work with no network (everything it loads
// comes from the gateway's own origin), and its walkthrough must run as it opens, each tab with its
// variables, naming the ports this sandbox really listens on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphiQLTab } from '../../src/graphiql-walkthrough.ts';
import {
  type ChildGateway,
  freePort,
  killAllChildGateways,
  startChildGateway,
} from '../support/child-gateway.ts';
import { graphql, subscribeSse } from '../support/gateway.ts';
import { until } from '../support/windows.ts';

let gateway: ChildGateway & { url: string };
let sandboxPort: number;
let iframePort: number;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'graphiql-'));
  sandboxPort = await freePort();
  // The iframe's own origin: a port of its own, free rather than SANDBOX_PORT + 1.
  iframePort = await freePort();
  gateway = await startChildGateway({
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    SANDBOX_PORT: String(sandboxPort),
    SANDBOX_IFRAME_PORT: String(iframePort),
    // Free rather than SANDBOX_PORT + 2, like the iframe port.
    SANDBOX_META_PORT: String(await freePort()),
    SANDBOX_SENDER_ACTIVATION_MS: '300',
    STEP_RETRY_BASE_MS: '20',
    DATABASE_FILE: join(dir, 'gateway.sqlite'),
    LOG_LEVEL: 'silent',
  });
});
afterAll(async () => {
  await killAllChildGateways();
  rmSync(dir, { recursive: true, force: true });
});

async function graphiqlPage(): Promise<string> {
  const res = await fetch(`${gateway.url}/graphql`, { headers: { accept: 'text/html' } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  return res.text();
}

/** The options the page hands GraphiQL (the last script's JSON). */
function graphiqlOptions(page: string): { defaultTabs: GraphiQLTab[]; headers?: string } {
  const found = /const options = (\{.*\});/.exec(page);
  expect(found, 'the page renders GraphiQL with options').toBeTruthy();
  return JSON.parse(found![1]!);
}

const tabNamed = (tabs: GraphiQLTab[], name: string): GraphiQLTab => {
  const tab = tabs.find((t) =>
    new RegExp(`^(mutation|query|subscription) ${name}\\b`, 'm').test(t.query ?? ''),
  );
  expect(tab, `a tab runs ${name}`).toBeTruthy();
  return tab!;
};

describe('GraphiQL offline', () => {
  it('names no other host, and every file it loads answers from the gateway with its type', async () => {
    const page = await graphiqlPage();
    // An absolute URL to another host could be a request out (a CDN, fonts). The only ones are
    // in the walkthrough's comments: this gateway and its fake.
    const hosts = new Set(
      [...page.matchAll(/https?:\/\/([^/\s"'\\]+)/gi)].map((m) => m[1]!.toLowerCase()),
    );
    expect([...hosts].sort()).toEqual(
      [new URL(gateway.url).host, `127.0.0.1:${sandboxPort}`].sort(),
    );
    expect(page).not.toMatch(/unpkg|jsdelivr|googleapis|gstatic|cdn\./i);

    // What the page loads: <script src>, <link href>, and the workers Monaco starts.
    const referenced = [
      ...[...page.matchAll(/<script[^>]* src="([^"]+)"/g)].map((m) => [m[1]!, 'script'] as const),
      ...[...page.matchAll(/<link[^>]* rel="stylesheet"[^>]* href="([^"]+)"/g)].map(
        (m) => [m[1]!, 'style'] as const,
      ),
      ...[...page.matchAll(/<link[^>]* rel="icon"[^>]* href="([^"]+)"/g)].map(
        (m) => [m[1]!, 'icon'] as const,
      ),
      ...Object.values(
        JSON.parse(/const workerUrls = (\{[^}]*\});/.exec(page)![1]!) as Record<string, string>,
      ).map((url) => [url, 'script'] as const),
    ];
    expect(referenced.map(([, kind]) => kind).sort()).toEqual([
      'icon',
      'script',
      'script',
      'script',
      'script',
      'style',
    ]);
    const types = { script: /^text\/javascript/, style: /^text\/css/, icon: /^image\// };
    for (const [reference, kind] of referenced) {
      const url = new URL(reference, `${gateway.url}/graphql`);
      expect(url.origin, reference).toBe(gateway.url);
      const res = await fetch(url);
      expect(res.status, reference).toBe(200);
      expect(res.headers.get('content-type'), reference).toMatch(types[kind]);
      const body = await res.arrayBuffer();
      expect(body.byteLength, reference).toBeGreaterThan(1000);
      // The browser keeps it: a second load is a 304 with no body.
      const again = await fetch(url, { headers: { 'if-none-match': res.headers.get('etag')! } });
      expect(again.status, reference).toBe(304);
    }
    // The stylesheet's fonts and images are inside it.
    const css = await (await fetch(`${gateway.url}/graphiql/graphiql.css`)).text();
    const cssUrls = [...css.matchAll(/url\(\s*["']?([^"')\s]+)/g)].map((m) => m[1]!);
    expect(cssUrls.length).toBeGreaterThan(0);
    expect(cssUrls.filter((u) => !u.startsWith('data:') && !u.startsWith('#'))).toEqual([]);
    expect(css).not.toMatch(/@import/);
  });

  it('serves nothing else under its path', async () => {
    expect((await fetch(`${gateway.url}/graphiql/package.json`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/graphiql/../graphql`)).status).not.toBe(200);
  });
});

describe("GraphiQL's walkthrough", () => {
  it('names the ports this sandbox listens on, never a default it does not use', async () => {
    const { defaultTabs } = graphiqlOptions(await graphiqlPage());
    const comments = defaultTabs.map((t) => t.query ?? '').join('\n');
    expect(comments).toContain(`${gateway.url}/graphql`);
    expect(comments).toContain(
      `curl -X POST http://127.0.0.1:${sandboxPort}/_sandbox/sendzen/signups`,
    );
    if (sandboxPort !== 4010) expect(comments).not.toContain(':4010');
    if (new URL(gateway.url).port !== '4000') expect(comments).not.toContain(':4000');
  });

  it('runs tab after tab as it opens, with the headers and variables each tab carries, to READY', async () => {
    const { defaultTabs, headers } = graphiqlOptions(await graphiqlPage());
    expect(JSON.parse(headers!).authorization).toMatch(/^Bearer gwk_/);
    const run = (tab: GraphiQLTab, variables = tab.variables) =>
      graphql<Record<string, unknown>>(
        gateway.url,
        tab.query!,
        variables ? JSON.parse(variables) : undefined,
        JSON.parse(tab.headers!),
      );

    // Watch first, as a user who opens the tabs in order and leaves it running would see Start.
    const watchTab = tabNamed(defaultTabs, 'Watch');
    const watch = await subscribeSse<{
      onboardingsUpdated: { clientIdentifier: string; status: string };
    }>(gateway.url, watchTab.query!, undefined, JSON.parse(watchTab.headers!));
    try {
      const start = await run(tabNamed(defaultTabs, 'Start'));
      expect(start.body.errors).toBeUndefined();
      const started = start.body.data!.onboardCustomer as {
        created: boolean;
        onboarding: { id: string; iframeUrl: string };
      };
      expect(started.created).toBe(true);
      // The iframe has an origin of its own: the port after the fake's.
      expect(started.onboarding.iframeUrl).toContain(`127.0.0.1:${iframePort}`);
      const client = JSON.parse(tabNamed(defaultTabs, 'Start').variables!).clientIdentifier;
      await watch.waitFor((v) => v.onboardingsUpdated.clientIdentifier === client);

      // The signup, completed as the Read tab's comment says (the curl command, run with fetch).
      const read = tabNamed(defaultTabs, 'Read');
      const curl =
        /curl -X POST (\S+) \\\n#\s+-H 'content-type: application\/json' -d '(\{.*\})'/.exec(
          read.query!,
        );
      expect(curl, 'the Read tab says how to complete the signup').toBeTruthy();
      await until(async () => {
        const res = await fetch(curl![1]!, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: curl![2]!,
        });
        return res.ok || undefined;
      });
      await watch.waitFor(
        (v) =>
          v.onboardingsUpdated.clientIdentifier === client &&
          v.onboardingsUpdated.status === 'READY',
      );

      const result = await run(read);
      expect(result.body.errors).toBeUndefined();
      const { edges } = result.body.data!.onboardings as {
        edges: { node: { id: string; status: string; sender: { state: string } } }[];
      };
      expect(edges[0]!.node).toMatchObject({ id: started.onboarding.id, status: 'READY' });

      // Retry is the one tab that needs an id: its variables say so, and with the id it runs.
      const retry = tabNamed(defaultTabs, 'Retry');
      expect(retry.variables).toMatch(/onboarding id from Start or Read/);
      const retried = await run(retry, JSON.stringify({ id: started.onboarding.id }));
      expect(retried.body.errors).toBeUndefined();
      expect(retried.body.data!.retryOnboarding).toHaveProperty('__typename');
    } finally {
      await watch.close();
    }
  });
});
