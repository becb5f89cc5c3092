// Headless Chromium for the status page's tests and screenshots: Debian's `chromium`, driven by
// playwright-core (which never downloads a browser). A missing browser is an error, never a skip.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

// Without the background-networking flags Chromium tries to reach its own services at start-up,
// which a closed network refuses.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The status page's browser tests need Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run installs it)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** What a page did: its console messages, uncaught errors and every request it made. */
export interface Watched {
  readonly console: string[];
  readonly errors: string[];
  readonly requests: string[];
}

export function watch(page: Page): Watched {
  const watched: Watched = { console: [], errors: [], requests: [] };
  page.on('console', (message) => watched.console.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => watched.errors.push(String(error)));
  page.on('request', (request) => watched.requests.push(request.url()));
  return watched;
}
