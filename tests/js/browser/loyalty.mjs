// Loyalty points on a real till in headless Chromium: the cashier rings up
// a tea, types the customer's number on the tender screen and reads her
// points and what may pay this bill; Points (F9) adds a row of what the
// rules allow (half the bill, in whole points), cash (F5) the rest, and the
// receipt says the points redeemed. Run by the browser test `loyalty_ui`,
// which sets the rules and her points at the hub and checks her statement.

import { launchChromium } from './browser.mjs';
import { checkScreen } from './layout.mjs';
import { scan } from './scanner.mjs';
import { signInAndOpenShift, waitText } from './shift.mjs';

const { TILL, SHOTS, TEA } = process.env;
const step = (what) => console.log(`- ${what}`);
const check = (ok, what) => {
  if (!ok) throw new Error(`failed: ${what}`);
};

const browser = await launchChromium();
const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, bypassCSP: true });
const page = await context.newPage();
page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
const waitFor = (selector, pattern) => waitText(page, selector, pattern);

try {
  step('the cashier signs in and opens a shift');
  await signInAndOpenShift(page, TILL);

  step("a tea, and the customer's number on the tender screen shows her points");
  await scan(page, TEA);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=lines] tr').length === 1);
  await page.keyboard.press('F12');
  await page.waitForSelector('[data-testid=due]');
  check((await page.$('button:has-text("Points (F9)")')) === null, 'no points button before the customer is named');
  await page.fill('input[name=customer-phone]', '98765 43210');
  await waitFor('[data-testid=points]', /200 points \(worth ₹200\.00\); up to 72 can pay this bill here/);

  step('Points (F9) pays what the rules allow; cash (F5) the rest');
  await page.keyboard.press('F9');
  await page.waitForFunction(() => [...document.querySelectorAll('.tender-row')].some((r) => r.dataset.method === 'points'));
  const pointsAmount = await page.inputValue('.tender-row[data-method=points] input[name^=amount]');
  check(pointsAmount === '72.00', `the points row holds what may be paid: ${pointsAmount}`);
  // Not whole points: refused on its row before anything is sent.
  await page.fill('.tender-row[data-method=points] input[name^=amount]', '72.50');
  await page.keyboard.press('F12');
  await page.waitForSelector('.tender-row[data-method=points] .row-problem');
  check(/whole points/.test(await page.textContent('.tender-row[data-method=points] .row-problem')), 'whole points asked for');
  await page.fill('.tender-row[data-method=points] input[name^=amount]', '72');
  await page.keyboard.press('F5');
  await page.waitForFunction(() => [...document.querySelectorAll('.tender-row')].some((r) => r.dataset.method === 'cash'));
  await checkScreen(page, SHOTS, 'tender-points');
  await page.keyboard.press('F12');
  await page.waitForSelector('.receipt-screen h1');
  await waitFor('[data-testid=receipt]', /Points redeemed: 72/);
  console.log('result 72');
} finally {
  await browser.close();
}
