// Drives the customer-facing display of a real till in headless Chromium.
// Run by the system test `display_ui`, which starts the hub and the till
// (with a UPI ID) and passes its address in the environment. One page shows
// /display; a second page on the till's origin publishes states through the
// agent's API, as the cashier's screen does, and asks it for a UPI intent.
// Each screen is saved at 1366×768, 1024×768 and 800×480 (a pole display),
// checked with axe-core and for text that overflows its box.

import { launchChromium } from './browser.mjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { assertNoOverflow } from './layout.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const { TILL, SHOTS, PAYEE } = process.env;
const SIZES = [[1366, 768], [1024, 768], [800, 480]];
const step = (what) => console.log(`- ${what}`);
const inr = (minor) => ({ minor, currency: 'INR' });

async function accessible(page, name) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const text = bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
    throw new Error(`${name}: accessibility violations:\n${text.join('\n')}`);
  }
}

/** At every size: a screenshot, axe, no text out of its box, and `check`. */
async function everySize(page, name, check = async () => {}) {
  for (const [width, height] of SIZES) {
    await page.setViewportSize({ width, height });
    // Layout settles in a frame; the list scrolls to its newest line after it.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: path.join(SHOTS, `display-${name}-${width}x${height}.png`) });
    const label = `${name} at ${width}×${height}`;
    await accessible(page, label);
    await assertNoOverflow(page, label);
    await check(label, width, height);
  }
  await page.setViewportSize({ width: SIZES[0][0], height: SIZES[0][1] });
}

const text = (page, id) => page.evaluate((id) => document.querySelector(`[data-testid=${id}]`)?.textContent ?? null, id);

async function waitText(page, id, expected) {
  await page
    .waitForFunction(([id, t]) => document.querySelector(`[data-testid=${id}]`)?.textContent === t, [id, expected], { timeout: 10_000 })
    .catch(async () => {
      throw new Error(`[data-testid=${id}] shows ${JSON.stringify(await text(page, id))}, not ${JSON.stringify(expected)}`);
    });
}

const browser = await launchChromium();
try {
  // axe is injected as a script tag: the till's CSP would rightly refuse it.
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, bypassCSP: true });
  const display = await context.newPage();
  display.on('pageerror', (e) => console.log(`display page error: ${e.message}`));
  const till = await context.newPage();
  // A page on the till's own origin, as the cashier's screen is.
  await till.goto(`${TILL}/health`);
  const agent = (method, url, body) =>
    till.evaluate(
      async ([method, url, body]) => {
        const r = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const t = await r.text();
        return { status: r.status, body: t ? JSON.parse(t) : null };
      },
      [method, url, body],
    );
  const publish = async (state) => {
    const r = await agent('PUT', '/v1/display', state);
    if (r.status !== 204) throw new Error(`PUT /v1/display: ${r.status} ${JSON.stringify(r.body)}`);
  };

  step('idle: a welcome before any bill');
  await display.goto(`${TILL}/display`);
  await display.waitForSelector('[data-testid=cd-idle]');
  if (!(await text(display, 'cd-idle')).includes('Welcome')) throw new Error('the idle display does not welcome');
  if ((await display.title()) !== 'Customer display') throw new Error(`title ${await display.title()}`);
  await everySize(display, 'idle');

  step('bill: lines, quantities and the total as they are scanned');
  const lines = [
    { name: 'Assam Tea 250 g', qty: '2', amount: inr(29000) },
    { name: 'Rice (kg)', qty: '1.250 kg', amount: inr(7813) },
    {
      name: 'Haldiram’s Aloo Bhujia Namkeen Family Pack, Extra Crunchy with Peanuts and Curry Leaves — 1 kg',
      qty: '1',
      amount: inr(0),
    },
  ];
  await publish({ lines: lines.slice(0, 1), total: inr(29000) });
  await waitText(display, 'cd-total', '₹290.00');
  await publish({ lines, total: inr(36813) });
  await waitText(display, 'cd-total', '₹368.13');
  const rows = await display.$$eval('[data-testid=cd-lines] tbody tr', (trs) =>
    trs.map((tr) => [...tr.cells].map((td) => td.textContent)),
  );
  const expected = [
    ['Assam Tea 250 g', '2', '₹290.00'],
    ['Rice (kg)', '1.250 kg', '₹78.13'],
    [lines[2].name, '1', '₹0.00'],
  ];
  if (JSON.stringify(rows) !== JSON.stringify(expected)) throw new Error(`lines shown: ${JSON.stringify(rows)}`);
  await everySize(display, 'bill');

  step('UPI: the agent’s QR, large, with the amount and the payee');
  const asked = await agent('POST', '/v1/payments/upi-intent', { amount: inr(36813), bill: '0198f3a2b7c4' });
  if (asked.status !== 200) throw new Error(`upi-intent: ${asked.status} ${JSON.stringify(asked.body)}`);
  const intent = asked.body;
  await publish({ lines, total: inr(36813), upi: intent });
  await display.waitForSelector('[data-testid=cd-qr]');
  await waitText(display, 'cd-upi-text', `Scan to pay ₹368.13 to ${PAYEE}`);
  const shown = await display.$eval('[data-testid=cd-qr]', (img) => ({
    src: img.getAttribute('src'),
    alt: img.alt,
    loaded: img.complete && img.naturalWidth > 0,
  }));
  const prefix = 'data:image/svg+xml;charset=utf-8,';
  if (!shown.src.startsWith(prefix) || decodeURIComponent(shown.src.slice(prefix.length)) !== intent.qr_svg) {
    throw new Error('the display does not show the QR the agent drew');
  }
  if (!shown.loaded) throw new Error('the QR image did not load');
  if (!shown.alt.includes('₹368.13') || !shown.alt.includes(PAYEE)) throw new Error(`QR alt text: ${shown.alt}`);
  await everySize(display, 'upi', async (label, width, height) => {
    const box = await display.$eval('[data-testid=cd-qr]', (img) => img.getBoundingClientRect().toJSON());
    // Large enough to scan from a metre: at least half the screen's height on
    // the smallest display, and square.
    const side = Math.min(box.width, box.height);
    if (side < Math.min(0.5 * height, 0.38 * width)) throw new Error(`${label}: the QR is only ${side}px`);
    if (Math.abs(box.width - box.height) > 2) throw new Error(`${label}: the QR is not square (${box.width}×${box.height})`);
    if (box.right > width || box.bottom > height) throw new Error(`${label}: the QR is cut off`);
  });

  step('a long bill beside the QR: the newest line in view, nothing overflows');
  const long = Array.from({ length: 60 }, (_, i) => ({
    name: i % 7 === 3 ? `Item ${i + 1} ${'with a very long descriptive name '.repeat(3)}` : `Item ${i + 1}`,
    qty: `${(i % 5) + 1}`,
    amount: inr(1000 * (i + 1)),
  }));
  await publish({ lines: long, total: inr(1830000), upi: { ...intent, amount: inr(1830000) } });
  await waitText(display, 'cd-total', '₹18,300.00');
  await everySize(display, 'long-bill', async (label) => {
    const seen = await display.evaluate(() => {
      const list = document.querySelector('.cd-lines').getBoundingClientRect();
      const last = [...document.querySelectorAll('[data-testid=cd-lines] tbody tr')].at(-1).getBoundingClientRect();
      return last.bottom <= list.bottom + 1 && last.top >= list.top - 1;
    });
    if (!seen) throw new Error(`${label}: the newest line is not in view`);
  });

  step('paid: the change and a thank-you');
  await publish({ lines, total: inr(36813), paid: inr(50000), change: inr(13187), message: 'Thank you! Visit again' });
  await waitText(display, 'cd-change', '₹131.87');
  await waitText(display, 'cd-paid', '₹500.00');
  await waitText(display, 'cd-message', 'Thank you! Visit again');
  if (await display.$('[data-testid=cd-qr]')) throw new Error('the QR stays after payment');
  await everySize(display, 'paid');

  step('idle again, with the store’s message; a display opened now starts from it');
  await publish({ lines: [], message: 'Thank you for shopping with us' });
  await display.waitForFunction(() => document.querySelector('[data-testid=cd-idle]')?.textContent.includes('Thank you for shopping'));
  const second = await context.newPage();
  await second.goto(`${TILL}/display`);
  await second.waitForFunction(() => document.querySelector('[data-testid=cd-idle]')?.textContent.includes('Thank you for shopping'));
  await everySize(second, 'thanks');

  const current = await agent('GET', '/v1/display');
  console.log(`result ${JSON.stringify({ intent, state: current.body })}`);
} finally {
  await browser.close();
}
