import { type Browser, chromium } from 'playwright-core';
import { exists } from './fixtures.js';

/** Debian's chromium: tests never download a browser. */
const CHROMIUM = '/usr/bin/chromium';

/** A headless Chromium for browser tests, offline apart from what the page itself asks for. */
export async function launchChromium(): Promise<Browser> {
  if (!(await exists(CHROMIUM))) {
    throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install -y chromium\`.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
