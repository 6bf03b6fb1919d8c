// What the browser tests share: Debian's Chromium (Playwright's own download cannot work on this
// network), started offline-minded, and where screenshots go.
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
/** Screenshots of every run (and of a failure): kept out of the repository. */
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

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

/** Fails (never skips) when Chromium is missing: the test must run, so say how to install it. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser test needs Debian's Chromium at ${CHROMIUM} (apt-get install chromium); ` +
        "Playwright's own browser download cannot work here. It is not skipped: install it.",
    );
  }
}

/** A fresh Chromium with its profile in `dir`, at a desktop size. */
export function launchChromium(dir: string): Promise<BrowserContext> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1360, height: 900 },
  });
}
