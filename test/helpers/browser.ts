import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import type { Test } from 'tap';

export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((path): path is string => Boolean(path) && existsSync(path!));
}

export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Debian's Chromium driven by playwright-core. Without it the test is skipped loudly,
 * except under CI=true, where a missing browser is a failure.
 */
export async function launchChromium(t: Test): Promise<Browser | undefined> {
  const executablePath = chromiumPath();
  if (!executablePath) {
    const message = 'Chromium is not installed (apt-get install -y chromium)';
    if (process.env.CI === 'true') t.fail(message);
    else t.skip(message, () => {});
    return undefined;
  }
  const browser = await chromium.launch({ executablePath, args: chromiumArgs });
  t.teardown(() => browser.close());
  return browser;
}
