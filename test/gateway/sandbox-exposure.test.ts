// What a sandbox shows to whoever can reach it. `npm start` as a user runs it (a child process in
// sandbox mode, its own fake inside): on loopback GraphiQL carries the development key and the
// demo is served; opened with SANDBOX_ALLOW_REMOTE=true, neither the key nor the demo is there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, killAllChildGateways, startChildGateway } from '../support/child-gateway.ts';

const dirs: string[] = [];

afterEach(async () => {
  await killAllChildGateways();
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function startSandboxGateway(extra: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-exposure-'));
  dirs.push(dir);
  return startChildGateway({
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    SANDBOX_PORT: '0',
    DATABASE_FILE: join(dir, 'gateway.sqlite'),
    LOG_LEVEL: 'silent',
    ...extra,
  });
}

async function graphiqlPage(url: string): Promise<string> {
  const res = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
  expect(res.status).toBe(200);
  const page = await res.text();
  expect(page).toContain('GraphiQL');
  return page;
}

describe('a sandbox opened with SANDBOX_ALLOW_REMOTE=true', () => {
  it('on loopback (the default), pre-fills GraphiQL with the development key and serves the demo', async () => {
    const gateway = await startSandboxGateway({});
    expect(await graphiqlPage(gateway.url)).toMatch(/gwk_[0-9A-Z]{26}_/);
    expect((await fetch(`${gateway.url}/`)).status).toBe(200);
  });

  it('serves GraphiQL with no key in it, no demo, and says so when it starts', async () => {
    const gateway = await startSandboxGateway({ SANDBOX_ALLOW_REMOTE: 'true' });
    expect(await graphiqlPage(gateway.url)).not.toContain('gwk_');
    expect((await fetch(`${gateway.url}/`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/demo/api/config`)).status).toBe(404);
    // The key is still made, for the person at the console to paste: not served, only printed.
    expect(gateway.stdout()).toMatch(/gwk_[0-9A-Z]{26}_/);
    expect(gateway.stdout()).toContain('SANDBOX_ALLOW_REMOTE');
  });
});
