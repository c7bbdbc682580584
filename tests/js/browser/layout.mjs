// Layout checks shared by the browser tests: nothing's text spills out of
// its box, and axe-core finds no violation of any impact.

import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

/**
 * Fails when any visible element's content is wider or taller than its box
 * without scrolling to show it (clipped or spilling text, a label out of its
 * button), or a text line runs past the element that holds it.
 */
export async function assertNoOverflow(page, label) {
  const spills = await page.evaluate(() => {
    const out = [];
    const describe = (el) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    for (const el of document.querySelectorAll('body *')) {
      const style = getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden' || el.closest('[aria-hidden=true], .sr-only')) continue;
      const rect = el.getBoundingClientRect();
      if (!rect.width || !rect.height) continue;
      const scrolls = (o) => o === 'auto' || o === 'scroll';
      // Scrolling containers show their overflow by scrolling.
      if (!scrolls(style.overflowX) && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 && !(el instanceof HTMLInputElement)) {
        out.push(`${describe(el)} is ${el.scrollWidth}px wide in a ${el.clientWidth}px box`);
      }
      if (!scrolls(style.overflowY) && el.scrollHeight > el.clientHeight + 1 && el.clientHeight > 0 && style.overflowY !== 'visible') {
        out.push(`${describe(el)} is ${el.scrollHeight}px high in a ${el.clientHeight}px box (clipped)`);
      }
      // Text that runs out of a button or a cell, overflow visible or not.
      if (el.matches('button, td, th, dd, dt, label, .tab, .key, li')) {
        for (const child of el.childNodes) {
          if (child.nodeType !== Node.TEXT_NODE || !child.textContent.trim()) continue;
          const range = document.createRange();
          range.selectNodeContents(child);
          const r = range.getBoundingClientRect();
          if (r.right > rect.right + 1 || r.left < rect.left - 1 || r.bottom > rect.bottom + 1) {
            out.push(`${describe(el)}: its text runs past its box (${Math.round(r.left)}–${Math.round(r.right)} in ${Math.round(rect.left)}–${Math.round(rect.right)})`);
          }
        }
      }
    }
    return out;
  });
  if (spills.length) throw new Error(`${label}: content overflows its box:\n${spills.slice(0, 20).join('\n')}`);
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

/** Saves the screen at each size and checks its layout and accessibility there. */
export async function checkScreen(page, shots, name, sizes = SIZES) {
  const before = page.viewportSize();
  for (const [width, height] of sizes) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(50);
    await page.screenshot({ path: path.join(shots, `${name}-${width}x${height}.png`) });
    await assertNoOverflow(page, `${name} at ${width}×${height}`);
    await assertAccessible(page, `${name} at ${width}×${height}`);
  }
  if (before) await page.setViewportSize(before);
}
