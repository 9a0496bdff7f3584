import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Test } from 'tap';
import type { Db } from '../../src/db/database.js';
import { startEnrolment } from '../../src/kiosk/devices.js';
import { defaultPassword } from './app.js';

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

/**
 * A browser context signed in as `email` (with the test password), on the start page; `problems`
 * collects script errors and console errors (a 4xx answer, logged by Chromium, is not one).
 */
export async function signedInPage(browser: Browser, baseUrl: string, email: string, viewport = { width: 1400, height: 900 }): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) problems.push(message.text());
  });
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(defaultPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseUrl}/`);
  return { context, page, problems };
}

/**
 * A tablet (touch, 800×1280) enrolled at the station `kioskId` with a fresh code, with the worker
 * `workerName` signed in by PIN; `problems` collects script errors.
 */
export async function signedInTablet(browser: Browser, baseUrl: string, db: Db, adminId: number, kioskId: number, workerName: string, pin: string) {
  const context = await browser.newContext({ viewport: { width: 800, height: 1280 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  const { code } = await startEnrolment(db, { userId: adminId }, kioskId);
  await page.goto(`${baseUrl}/kiosk`);
  await page.getByLabel('Enrolment code').fill(code);
  await page.getByRole('button', { name: 'Enrol this tablet' }).tap();
  await page.waitForURL(`${baseUrl}/kiosk`);
  await page.getByRole('button', { name: workerName }).tap();
  await page.locator('#pin').fill(pin);
  await page.getByRole('button', { name: 'Sign in' }).tap();
  await page.getByText(`Signed in: ${workerName}`).waitFor();
  return { context, page, problems };
}

/** Scans a job traveler's code on a signed-in tablet, as a keyboard-wedge scanner types it, and waits for the item's card. */
export async function scanOnTablet(page: Page, code: string, label: string): Promise<void> {
  await page.locator('#scan-code:focus').waitFor();
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
  await page.locator('#kiosk-item .item-label', { hasText: label }).waitFor();
}
