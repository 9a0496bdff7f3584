import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical findings on the page as it is now (run through the debugger, so the page's CSP stays on). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(`${axeSource};0`);
  const violations = (await page.evaluate(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
    .then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) })))`)) as { id: string; impact: string; targets: string[] }[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}

/** Controls smaller than 48 px either way: too small for a gloved finger at a kiosk. */
export async function smallTouchTargets(page: Page): Promise<string[]> {
  // Page code as a string: the tests are type-checked without the DOM's types.
  return page.evaluate(`[...document.querySelectorAll('button, [role="button"], input:not([type="hidden"]), a, summary')]
    .filter((element) => element.offsetParent !== null && !element.classList.contains('visually-hidden'))
    .map((element) => ({ element, box: element.getBoundingClientRect() }))
    .filter(({ box }) => box.height < 48 || box.width < 48)
    .map(({ element, box }) => element.outerHTML.slice(0, 80) + ' (' + Math.round(box.width) + '×' + Math.round(box.height) + ')')`) as Promise<string[]>;
}
