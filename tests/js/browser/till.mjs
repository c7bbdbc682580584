// Drives the cashier UI of two real tills in headless Chromium through a
// cashier's shift. Run by the system test `cashier_ui`, which starts the hub
// and the tills, passes their addresses in the environment, and answers
// `control stop-hub` / `control start-hub` lines on stdin with `ok`.
// Screens are saved at a till's, a small till's and a handheld's size and
// checked for overflowing content and with axe-core.

import { launchChromium } from './browser.mjs';
import readline from 'node:readline';
import path from 'node:path';
import { checkScreen } from './layout.mjs';
import { burst } from './scanner.mjs';

const { TILL1, TILL2, SHOTS, TEA, CHAI } = process.env;

const replies = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function control(command) {
  console.log(`control ${command}`);
  const { value } = await replies.next();
  if (value !== 'ok') throw new Error(`control ${command}: answered ${value}`);
}
const step = (what) => console.log(`- ${what}`);

/** ₹1,23,456.50 or −₹5.00 → paise. */
function paise(text) {
  const m = /(−|-)?₹([\d,]+)\.(\d{2})/.exec(text);
  if (!m) throw new Error(`no amount in ${JSON.stringify(text)}`);
  const value = Number(m[2].replace(/,/g, '')) * 100 + Number(m[3]);
  return m[1] ? -value : value;
}

function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p99: at(0.99) };
}

const shot = (page, name) => checkScreen(page, SHOTS, name);

/** A keyboard-wedge scanner: the code as a fast burst of keys, then Enter. */
const wedge = (page, code) => burst(page, [code]);

async function lines(page, n) {
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=lines] tr').length === n, n);
}

async function total(page, text) {
  await page.waitForFunction((t) => document.querySelector('[data-testid=total]')?.textContent === t, text);
}

async function notice(page, pattern) {
  await page.waitForFunction(
    (p) => [...document.querySelectorAll('[data-testid=notice]')].some((n) => new RegExp(p).test(n.textContent)),
    pattern.source,
  );
}

async function signIn(page, code, pin) {
  await page.fill('input[name=code]', code);
  await page.fill('input[name=pin]', pin);
  await page.click('button[type=submit]');
}

/** Pays the bill on screen in cash, exactly; returns the receipt number. */
async function payCashExact(page) {
  await page.keyboard.press('F12');
  await page.waitForSelector('[data-testid=due]');
  await page.keyboard.press('F12');
  return receiptNo(page);
}

async function receiptNo(page) {
  const heading = await page.waitForSelector('.receipt-screen h1');
  const no = (await heading.textContent()).replace('Receipt ', '').trim();
  await page.waitForFunction((no) => document.querySelector('[data-testid=receipt]')?.textContent.includes(no), no);
  return no;
}

/**
 * Every id the UI mints and sends to the agent (any `…_id` in a request body):
 * kept so the end of the shift can check each is a UUIDv7 of the test's time.
 */
function collectIds(value, out, key = '') {
  if (Array.isArray(value)) value.forEach((v) => collectIds(v, out, key));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectIds(v, out, k);
  } else if (key.endsWith('_id') && typeof value === 'string') out.push({ key, id: value });
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The Unix milliseconds in a UUIDv7's first 48 bits. */
const v7Millis = (id) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

const browser = await launchChromium();
try {
  // axe is injected as a script tag: the till's CSP would rightly refuse it.
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, bypassCSP: true });
  // The moment each scan's last key was sent (its own time stamp), seen
  // before the page's scanner handling takes the key.
  await context.addInitScript(() => {
    window.__scans = { on: false, pressed: [], rendered: [] };
    window.addEventListener('keydown', (e) => window.__scans.on && e.key === 'Enter' && window.__scans.pressed.push(e.timeStamp), true);
  });
  const page = await context.newPage();
  const started = Date.now();
  const minted = [];
  context.on('request', (request) => {
    if (!['POST', 'PUT'].includes(request.method()) || !new URL(request.url()).pathname.startsWith('/v1/')) return;
    try {
      collectIds(JSON.parse(request.postData() ?? 'null'), minted);
    } catch {
      // Not JSON: nothing minted in it.
    }
  });
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  const sales = [];

  step('login: a wrong PIN is refused in words, the right one signs in');
  await page.goto(TILL1);
  await page.waitForSelector('input[name=code]');
  await shot(page, 'login');
  await signIn(page, '101', '0000');
  await notice(page, /do not match/);
  await signIn(page, '101', '4821');
  await page.waitForSelector('#search');
  await page.waitForFunction(() => document.querySelector('[data-testid=cashier]')?.textContent.includes('Asha'));
  await page.waitForFunction(() => document.querySelector('[data-testid=link]')?.dataset.link === 'online');

  step('shift: open with a float of ₹1,000');
  await page.getByRole('button', { name: 'Shift', exact: true }).click();
  await page.fill('input[name=opening-float]', '1000');
  await page.getByRole('button', { name: 'Open shift' }).click();
  await page.waitForSelector('[data-testid=x-report]');
  await shot(page, 'shift');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelector('[data-testid=shift]')?.textContent.startsWith('Shift since'));

  step('sale: keyboard-wedge scan, type-ahead search by synonym, quick key');
  await wedge(page, TEA);
  await lines(page, 1);
  await page.click('#search');
  await page.keyboard.type('arhar', { delay: 120 });
  await page.waitForSelector('.results li');
  await page.keyboard.press('Enter');
  await lines(page, 2);
  await page.getByRole('tab', { name: 'Rice & Dal' }).click();
  await page.getByRole('button', { name: /Sona Masoori/ }).click();
  await lines(page, 3);
  await page.fill('input[aria-label="Qty Assam Tea 250 g"]', '2');
  // 2 × ₹145.00 + ₹169.00 + 1 kg × ₹62.50
  await total(page, '₹521.50');

  step('customer: captured with name, on the bill');
  await page.getByRole('button', { name: 'Customer', exact: true }).click();
  await page.fill('input[name=customer-phone]', '98450 12345');
  await page.fill('input[name=customer-name]', 'Meena Traders');
  await shot(page, 'customer');
  await page.getByRole('button', { name: 'Save and use for this bill' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=customer]')?.textContent === 'Customer: Meena Traders');
  await shot(page, 'sale');

  step('split tender: ₹500 cash and ₹100 by card, change ₹78.50');
  await page.keyboard.press('F12');
  await page.waitForSelector('[data-testid=due]');
  await page.fill('input[name=amount-0]', '500');
  await page.getByRole('button', { name: 'Card (F6)' }).click();
  await page.fill('input[name=amount-1]', '100');
  await page.fill('input[name=reference-1]', 'AP1234');
  await page.waitForFunction(() => document.querySelector('[data-testid=change]')?.textContent === '₹78.50');
  await shot(page, 'tender');
  await page.keyboard.press('F12');
  const firstReceipt = await receiptNo(page);
  sales.push(firstReceipt);
  const change = await page.textContent('[data-testid=change-due]');
  if (!change.includes('₹78.50')) throw new Error(`change shown: ${change}`);
  await shot(page, 'receipt');
  await page.getByRole('button', { name: 'Reprint' }).click();
  await notice(page, /.*/);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#search');

  step('modifiers: a large masala chai with ginger');
  await wedge(page, CHAI);
  await page.waitForSelector('[role=dialog]');
  await shot(page, 'modifiers');
  await page.getByRole('button', { name: /^Large/ }).click();
  await page.getByRole('button', { name: /^Ginger/ }).click();
  await page.getByRole('button', { name: 'Add to bill' }).click();
  await lines(page, 1);
  await total(page, '₹35.00');

  step('discount: 15% is beyond a cashier, a supervisor approves');
  await page.keyboard.press('F9');
  await page.fill('input[name=percent]', '15');
  await page.fill('input[name=reason]', 'staff tasting');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForSelector('input[name=approver-code]');
  await shot(page, 'approval');
  await page.fill('input[name=approver-code]', '102');
  await page.fill('input[name=approver-pin]', '7305');
  await page.getByRole('button', { name: 'Approve' }).click();
  await total(page, '₹29.75');
  await page.waitForFunction(() => document.querySelector('.total')?.textContent.includes('Approved by Ravi'));
  sales.push(await payCashExact(page));
  await page.keyboard.press('Enter');

  step('hold on till 1, resume on till 2');
  await page.waitForSelector('#search');
  await wedge(page, TEA);
  await lines(page, 1);
  await page.keyboard.press('F4');
  await page.waitForSelector('input[name=hold-note]');
  await page.keyboard.type('Blue shirt', { delay: 60 });
  await page.keyboard.press('Enter');
  await notice(page, /held/);
  await lines(page, 0);
  const page2 = await context.newPage();
  await page2.goto(TILL2);
  await signIn(page2, '101', '4821');
  await page2.waitForSelector('#search');
  const deadline = Date.now() + 30_000;
  for (;;) {
    await page2.keyboard.press('F6');
    await page2.waitForSelector('[data-testid=held-bills]');
    if (await page2.locator('[data-testid=held-bills] li').count()) break;
    if (Date.now() > deadline) throw new Error('the held bill never reached till 2');
    await page2.keyboard.press('Escape');
    await page2.waitForTimeout(500);
  }
  await shot(page2, 'held');
  await page2.getByRole('button', { name: 'Resume' }).first().click();
  await lines(page2, 1);
  await total(page2, '₹145.00');
  await payCashExact(page2);
  await page2.close();

  step('return: one tea from the first receipt, refunded in cash');
  await page.getByRole('button', { name: 'Returns' }).click();
  await page.fill('input[name=receipt-no]', firstReceipt);
  await page.getByRole('button', { name: 'Find sale' }).click();
  await page.fill('input[name=return-qty-0]', '1');
  await page.getByLabel('Cash').check();
  await page.fill('input[name=return-reason]', 'wrong flavour');
  await shot(page, 'returns');
  await page.getByRole('button', { name: 'Refund' }).click();
  await notice(page, /Refunded ₹145\.00/);
  await page.keyboard.press('Escape');

  step('offline: the hub stops, the till keeps selling and queues');
  await control('stop-hub');
  await page.waitForFunction(() => document.querySelector('[data-testid=link]')?.dataset.link === 'offline', null, { timeout: 30_000 });
  await wedge(page, TEA);
  await lines(page, 1);
  await shot(page, 'offline');
  sales.push(await payCashExact(page));
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=queued]')?.dataset.queued) >= 1);
  await control('start-hub');
  await page.waitForFunction(
    () => {
      const link = document.querySelector('[data-testid=link]')?.dataset.link;
      return link === 'online' && document.querySelector('[data-testid=queued]')?.dataset.queued === '0';
    },
    null,
    { timeout: 60_000 },
  );

  step('live: a serial scanner adds a line; a price change at HQ reaches the open bill');
  await control(`serial-scan ${TEA}`);
  await lines(page, 1);
  await control(`price ${TEA} 15000`);
  await page.waitForFunction(
    () => document.querySelector('[data-testid=lines] .line-total')?.textContent === '₹150.00',
    null,
    { timeout: 30_000 },
  );
  await page.getByRole('button', { name: 'Clear bill' }).click();
  await lines(page, 0);

  step('live: stock HQ puts on hold is refused at the scan, saying why, until HQ releases it');
  await control(`hold ${TEA} recall`);
  await wedge(page, TEA);
  await notice(page, /not for sale in this store: HQ put its stock on hold \(recall\)/);
  await lines(page, 0);
  await control(`release ${TEA}`);
  await wedge(page, TEA);
  await lines(page, 1);
  await page.getByRole('button', { name: 'Clear bill' }).click();
  await lines(page, 0);

  step('measure: 200 keyboard-wedge scans to the line on screen');
  await page.evaluate(() => {
    const seen = window.__scans;
    seen.on = true;
    new MutationObserver(() => requestAnimationFrame(() => seen.rendered.push(performance.now()))).observe(
      document.querySelector('[data-testid=lines]'),
      { subtree: true, childList: true, characterData: true },
    );
  });
  for (let i = 0; i < 200; i++) {
    await wedge(page, TEA);
    await page.waitForFunction((n) => document.querySelector('[data-testid=lines] input.qty')?.value === String(n), i + 1, { timeout: 10_000 });
  }
  const scanTimes = await page.evaluate(() => {
    const { pressed, rendered } = window.__scans;
    return pressed.map((p) => rendered.find((r) => r >= p) - p);
  });
  const apiTimes = await page.evaluate(async (code) => {
    const out = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await (await fetch(`/v1/products/by-barcode/${code}`)).json();
      out.push(performance.now() - t0);
    }
    return out;
  }, TEA);
  const scan = stats(scanTimes);
  const lookup = stats(apiTimes);
  console.log(
    `scan to line rendered: median ${scan.median.toFixed(1)} ms, p99 ${scan.p99.toFixed(1)} ms; ` +
      `baseline, the agent's barcode lookup alone from the page: median ${lookup.median.toFixed(1)} ms, p99 ${lookup.p99.toFixed(1)} ms; ` +
      `ratio ${(scan.median / lookup.median).toFixed(1)}× at the median, ${(scan.p99 / lookup.p99).toFixed(1)}× at p99 (200 scans, 200 lookups)`,
  );
  await page.getByRole('button', { name: 'Clear bill' }).click();
  await lines(page, 0);

  step('devices: the printer is listed and prints a test page');
  await page.getByRole('button', { name: 'Devices' }).click();
  await page.waitForSelector('text=front');
  await shot(page, 'devices');
  await page.getByRole('button', { name: 'Test print' }).click();
  await page.waitForSelector('text=Test page sent to front.');
  await page.keyboard.press('Escape');

  step('shift close: counted cash equals expected; the Z report');
  await page.getByRole('button', { name: 'Shift', exact: true }).click();
  await page.waitForSelector('[data-testid=x-report]');
  const expected = await page.textContent('[data-figure="Expected cash"]');
  await page.fill('input[name=counted-cash]', (paise(expected) / 100).toFixed(2));
  await page.getByRole('button', { name: /Close shift/ }).click();
  await page.waitForSelector('[data-testid=z-report]');
  await shot(page, 'z-report');
  const figure = (name) => page.textContent(`[data-testid=z-report] [data-figure="${name}"]`);
  const z = {
    sales_count: Number(await figure('Sales')),
    sales_total: paise(await figure('Sales total')),
    expected_cash: paise(await figure('Expected cash')),
    variance: paise(await figure('Variance')),
  };
  if (z.sales_count !== 3) throw new Error(`the Z report counts ${z.sales_count} sales, not 3`);
  if (z.variance !== 0) throw new Error(`variance ${z.variance}`);
  // ₹521.50 + ₹29.75 + ₹145.00 sold here (the resumed bill was paid on till 2).
  if (z.sales_total !== 69625) throw new Error(`sales total ${z.sales_total}`);
  // Float ₹1,000 + cash ₹674.75 − change ₹78.50 − cash refund ₹145.00.
  if (z.expected_cash !== 145125) throw new Error(`expected cash ${z.expected_cash}`);

  step('ids: every id the UI minted for the agent is a UUIDv7 of this run');
  const saleIds = new Set(minted.filter((m) => m.key === 'sale_id').map((m) => m.id));
  // Four bills were paid in the browser (three here, the resumed one on till 2).
  if (saleIds.size < 4) throw new Error(`the UI sent ${saleIds.size} sale ids for 4 sales: ${JSON.stringify(minted)}`);
  for (const { key, id } of minted) {
    if (!UUID_V7.test(id)) throw new Error(`${key} ${id} is not a UUIDv7`);
    const at = v7Millis(id);
    if (at < started - 1000 || at > Date.now() + 1000) throw new Error(`${key} ${id} carries ${new Date(at).toISOString()}, not this run's time`);
  }
  console.log(`result ${JSON.stringify({ receipt_no: firstReceipt, sales, z })}`);
} catch (e) {
  for (const [i, p] of browser.contexts().flatMap((c) => c.pages()).entries()) {
    await p.screenshot({ path: path.join(SHOTS, `failure-${i}.png`) }).catch(() => undefined);
  }
  throw e;
} finally {
  await browser.close();
}
process.exit(0);
