// Layout checks shared by the browser scripts: no text runs out of its box,
// and axe-core finds no violation of any impact.
//
// `assertNoOverflow(page, label)` looks at every visible element that holds
// text of its own (and every input and button) and fails, naming them, when
// - its text does not fit its own box (scrollWidth > clientWidth + 1 or
//   scrollHeight > clientHeight + 1, for elements that have a box; where the
//   element does not clip, glyphs may reach 0.3 em past a tight line box), or
// - an ancestor that clips (overflow other than visible) or the window cuts
//   it off, or
// - the page itself scrolls sideways, or down unless `{ pageScrolls: true }`
//   (a screen that may scroll to reach what is below the fold).
// A container marked `data-scrolls` scrolls by design (a long list showing
// its newest lines): what it cuts off is not reported, but the text inside
// it must still fit its own boxes.

import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

/** Fails with a list of the elements whose text is cut off. */
export async function assertNoOverflow(page, label, { pageScrolls = false } = {}) {
  const problems = await page.evaluate((pageScrolls) => {
    const out = [];
    const root = document.documentElement;
    const view = { left: 0, top: -Infinity, right: root.clientWidth, bottom: pageScrolls ? Infinity : root.clientHeight };
    if (root.scrollWidth > root.clientWidth + 1) out.push(`the page scrolls sideways (${root.scrollWidth} > ${root.clientWidth})`);
    if (!pageScrolls && root.scrollHeight > root.clientHeight + 1) out.push(`the page scrolls down (${root.scrollHeight} > ${root.clientHeight})`);
    const name = (el) => {
      const text = (el.textContent ?? el.value ?? '').trim().replace(/\s+/g, ' ').slice(0, 40);
      const id = el.id ? `#${el.id}` : '';
      const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      const test = el.dataset?.testid ? `[data-testid=${el.dataset.testid}]` : '';
      return `${el.tagName.toLowerCase()}${id}${cls}${test} "${text}"`;
    };
    const ownText = (el) =>
      ['INPUT', 'BUTTON', 'SELECT', 'TEXTAREA'].includes(el.tagName) ||
      [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim() !== '');
    const inside = (r, box) => r.left >= box.left - 1 && r.top >= box.top - 1 && r.right <= box.right + 1 && r.bottom <= box.bottom + 1;
    for (const el of document.body.querySelectorAll('*')) {
      if (!ownText(el)) continue;
      const style = getComputedStyle(el);
      const rect = el.getBoundingClientRect();
      // Hidden, or visually hidden for screen readers (.sr-only): not on screen to overflow.
      if (style.visibility === 'hidden' || style.display === 'none' || rect.width <= 2 || rect.height <= 2) continue;
      // Glyphs of a tight line-height (1.25) reach a little past their line
      // box and count in scrollHeight without being cut: allowed where the
      // element does not clip, never where it does.
      const clips = style.overflowY !== 'visible';
      const slack = clips ? 1 : Math.max(1, 0.3 * parseFloat(style.fontSize));
      // An element that scrolls (a receipt preview) shows its text by scrolling.
      const scrollsItself = ['auto', 'scroll'].includes(style.overflowY) && ['auto', 'scroll', 'hidden'].includes(style.overflowX);
      if (style.display !== 'inline' && !scrollsItself && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + slack)) {
        out.push(`${name(el)}: text larger than its box (${el.scrollWidth}×${el.scrollHeight} in ${el.clientWidth}×${el.clientHeight})`);
        continue;
      }
      let clipped = false;
      // Set where what cuts the element off does so by design.
      let scrolls = false;
      for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
        if (up.hasAttribute('data-scrolls')) {
          scrolls = true;
          break;
        }
        const s = getComputedStyle(up);
        if (s.overflowX !== 'visible' || s.overflowY !== 'visible') {
          const box = up.getBoundingClientRect();
          // Inside a visually hidden container (.sr-only): for screen readers only.
          if ((s.clip && s.clip !== 'auto') || box.width <= 2 || box.height <= 2) {
            scrolls = true;
            break;
          }
          if (!inside(rect, box)) {
            out.push(`${name(el)}: cut off by ${name(up).split(' ')[0]}`);
            clipped = true;
            break;
          }
        }
      }
      if (!clipped && !scrolls && !inside(rect, view)) out.push(`${name(el)}: outside the window`);
    }
    return out;
  }, pageScrolls);
  if (problems.length) throw new Error(`${label}: text overflows its box:\n${problems.join('\n')}`);
}

/** axe-core on the page: no violation of any impact. */
export async function assertAccessible(page, label) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  if (result.violations.length) {
    const text = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
    throw new Error(`${label}: accessibility violations:\n${text.join('\n')}`);
  }
}

/** The cashier's screen sizes: a till, a small till, a handheld in portrait. */
export const SIZES = [[1366, 768], [1024, 768], [800, 1280]];

/** Saves the screen at each size and checks its layout and accessibility
 *  there. `fitsTill`: on a landscape till the page itself must not scroll
 *  (the sale screen: what does not fit scrolls inside its own column). */
export async function checkScreen(page, shots, name, sizes = SIZES, { fitsTill = false } = {}) {
  const before = page.viewportSize();
  for (const [width, height] of sizes) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(50);
    await page.screenshot({ path: path.join(shots, `${name}-${width}x${height}.png`) });
    await assertNoOverflow(page, `${name} at ${width}×${height}`, { pageScrolls: !(fitsTill && width > height) });
    await assertAccessible(page, `${name} at ${width}×${height}`);
  }
  if (before) await page.setViewportSize(before);
}
