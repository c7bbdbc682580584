// The add-on hint on a real till in headless Chromium (and scans at the
// page's edges: one that straddles the till's settings arriving, one sent
// as the sign-in goes out, one as the page loads): the store's
// customers bought milk with tea three times and rice with it once, so a
// tea on the bill offers milk first, then rice. Choosing milk puts it on
// the bill and leaves rice offered; with the hub gone, the next bill's tea
// still offers them (the till keeps what it heard). Run by the browser test
// `add_ons_ui`, which makes those sales and stops the hub.

import { existsSync, writeFileSync } from 'node:fs';
import { launchChromium } from './browser.mjs';
import { checkScreen } from './layout.mjs';
import { scan, splitScan } from './scanner.mjs';
import { signInAndOpenShift, waitText } from './shift.mjs';

const { TILL, SHOTS, TEA, STOP_HUB, HUB_STOPPED } = process.env;
const step = (what) => console.log(`- ${what}`);
const check = (ok, what) => {
  if (!ok) throw new Error(`failed: ${what}`);
};

const browser = await launchChromium();
const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, bypassCSP: true });
const page = await context.newPage();
page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
const offered = () => page.$$eval('[data-testid=add-ons] button', (bs) => bs.map((b) => b.getAttribute('aria-label')));
const lines = () => page.$$eval('[data-testid=lines] tr', (rows) => rows.length);

// The till's settings (the scanner's prefix and suffix) held back until the
// first scan is under way.
let sendSettings;
const settingsHeld = new Promise((resolve) => (sendSettings = resolve));
await page.route('**/v1/till/settings', async (route) => {
  await settingsHeld;
  await route.continue();
});

try {
  step('the cashier signs in and opens a shift');
  await signInAndOpenShift(page, TILL);

  step("a tea scanned while the till's settings arrive is one scan, not split");
  await splitScan(page, TEA, 7, async () => {
    const answered = page.waitForResponse('**/v1/till/settings');
    sendSettings();
    await answered;
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  });
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=lines] tr').length === 1);
  check((await page.inputValue('#search')) === '', `nothing of the scan left in the search box: ${await page.inputValue('#search')}`);
  check(!/not a barcode|check digit|No product/i.test(await page.textContent('body')), 'no refusal of a split scan');

  step('a tea offers milk, then rice');
  await waitText(page, '[data-testid=add-ons]', /Goes with Assam Tea 250 g:/);
  const first = await offered();
  check(first.length === 2 && /^Add Milk 500 ml/.test(first[0]) && /^Add .*Rice/.test(first[1]), `milk then rice: ${JSON.stringify(first)}`);
  await checkScreen(page, SHOTS, 'sale-add-ons');

  step('choosing milk puts it on the bill; rice is still offered');
  await page.click('[data-testid=add-ons] button:first-of-type');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=lines] tr').length === 2);
  await waitText(page, '[data-testid=lines]', /Milk/);
  const after = await offered();
  check(after.length === 1 && /Rice/.test(after[0]), `only rice left: ${JSON.stringify(after)}`);
  // The scanner still works after a click on the hint.
  await scan(page, TEA);
  await page.waitForFunction(() => document.querySelector('[data-testid=lines]')?.textContent?.includes('2'));
  check((await lines()) === 2, 'a second tea adds to its line');

  step('the bill is cleared; the hub is stopped; a tea still offers milk');
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=lines] tr').length === 0);
  check((await page.$('[data-testid=add-ons]')) === null, 'no hint without a bill');
  // The test side stops the hub when asked, and says when it has.
  writeFileSync(STOP_HUB, 'now');
  for (let i = 0; i < 300 && !existsSync(HUB_STOPPED); i++) await new Promise((r) => setTimeout(r, 100));
  check(existsSync(HUB_STOPPED), 'the hub was stopped');
  await scan(page, TEA);
  await waitText(page, '[data-testid=add-ons]', /Goes with Assam Tea 250 g:/);
  const offline = await offered();
  check(/^Add Milk 500 ml/.test(offline[0]), `milk offered offline: ${JSON.stringify(offline)}`);

  step('a scan sent as the sign-in goes out lands on the bill once the sale screen is up');
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=lines] tr').length === 0);
  await page.evaluate(() => fetch('/v1/session', { method: 'DELETE' }));
  await page.reload();
  await page.fill('input[name=code]', '101');
  await page.fill('input[name=pin]', '4821');
  await page.keyboard.press('Enter');
  await scan(page, TEA);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=lines] tr').length === 1);
  await waitText(page, '[data-testid=lines]', /Assam Tea/);

  step('a scan as the page loads is whole, or refused as cut: never read as a shorter code');
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=lines] tr').length === 0);
  for (let round = 0; round < 4; round++) {
    await page.goto(TILL, { waitUntil: round % 2 ? 'domcontentloaded' : 'commit' });
    await scan(page, TEA);
    await page.waitForSelector('#search');
    await new Promise((r) => setTimeout(r, 1500));
    const text = await page.textContent('body');
    check(!/No item with barcode|check digit|not a barcode/i.test(text), `no shorter code read (round ${round})`);
    check((await page.inputValue('#search')) === '', `nothing left in the search box (round ${round})`);
    const rows = await page.$$eval('[data-testid=lines] tr', (r) => r.map((x) => x.textContent));
    check(rows.length <= 1 && rows.every((r) => /Assam Tea/.test(r)), `only the tea, if anything: ${JSON.stringify(rows)}`);
    if (rows.length) {
      await page.getByRole('button', { name: 'Clear' }).click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=lines] tr').length === 0);
    }
  }
  console.log('result ok');
} finally {
  await browser.close();
}
