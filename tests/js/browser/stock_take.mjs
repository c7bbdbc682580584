// A stock take on a real till in headless Chromium: a cashier asks to start
// a count and a manager's code and PIN let it start, the scanner counts in
// bursts with the cursor in the bin field, a case is typed with its count,
// the sheet shows each item by bin against what was expected, the items not
// counted are said, and the approval asks for the manager again. Run by the
// browser test `stock_take_ui`, which starts the hub and the till and checks
// the ledger afterwards.

import { launchChromium, recordTones } from './browser.mjs';
import { checkScreen } from './layout.mjs';
import { burst } from './scanner.mjs';
import { noticeText as readNotices, waitNotice } from './notices.mjs';

const { TILL, SHOTS, TEA, DAL } = process.env;
const step = (what) => console.log(`- ${what}`);
const check = (ok, what) => {
  if (!ok) throw new Error(`failed: ${what}`);
};

const browser = await launchChromium();
const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, bypassCSP: true });
await recordTones(context);
const page = await context.newPage();
page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
const OK_TONE = 1320;
const tones = () => page.evaluate(() => window.__tones.splice(0));
const noticeText = () => readNotices(page);
const notice = (pattern) => waitNotice(page, pattern);
/** The counted table: per item name, its cells. */
const counted = () =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-testid=counted] tbody tr')].map((row) => {
        const cells = [...row.querySelectorAll('td')].map((c) => c.textContent.trim());
        return [cells[0], cells.slice(1)];
      }),
    ),
  );
async function waitCounted(name, cells) {
  try {
    await page.waitForFunction(
      ([n, want]) => {
        const row = [...document.querySelectorAll('[data-testid=counted] tbody tr')].find((r) => r.querySelector('td')?.textContent.trim() === n);
        return row && JSON.stringify([...row.querySelectorAll('td')].slice(1).map((c) => c.textContent.trim())) === JSON.stringify(want);
      },
      [name, cells],
      { timeout: 10_000 },
    );
  } catch {
    throw new Error(`${name} is not ${JSON.stringify(cells)}: ${JSON.stringify(await counted())}`);
  }
}

try {
  step('the cashier signs in and opens the stock takes from the Shift screen');
  await page.goto(TILL);
  await page.waitForSelector('input[name=code]');
  // Typed at a person's pace: a burst is a scanner's.
  await page.keyboard.type('101', { delay: 60 });
  await page.keyboard.press('Enter');
  await page.keyboard.type('4821', { delay: 60 });
  await page.keyboard.press('Enter');
  await page.waitForSelector('#search');
  await page.getByRole('button', { name: 'Shift', exact: true }).click();
  await page.getByRole('button', { name: 'Stock take', exact: true }).click();
  await page.waitForSelector('input[name=take-name]');
  await checkScreen(page, SHOTS, 'stock-takes');

  step('starting a count needs a manager: the till asks for their code and PIN');
  await page.fill('input[name=take-name]', 'Month end');
  await page.getByRole('button', { name: 'Start count' }).click();
  await notice(/needs a manager/);
  await page.fill('input[name=manager-code]', '301');
  await page.fill('input[name=manager-pin]', '2468');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.waitForSelector('input[name=bin]');
  check((await page.textContent('h1')).includes('Month end'), 'the count opens');

  step('scans in a burst with the cursor in the bin field count into that bin');
  await page.fill('input[name=bin]', 'A1');
  await page.focus('input[name=bin]');
  await tones();
  await burst(page, [TEA, TEA, TEA]);
  await waitCounted('Assam Tea 250 g', ['A1: 3', '3', '100', '-97', 'Set to qty']);
  check((await page.inputValue('input[name=bin]')) === 'A1', `the bin field keeps its bin, not ${await page.inputValue('input[name=bin]')}`);
  check((await tones()).filter((f) => f === OK_TONE).length >= 3, 'each counted scan is heard');

  step('a case typed with its count, on another shelf');
  await page.fill('input[name=bin]', 'B2');
  await page.fill('input[name=count-code]', DAL);
  await page.fill('input[name=count-qty]', '50');
  await page.press('input[name=count-qty]', 'Enter');
  await waitCounted('Toor Dal 1 kg', ['B2: 50', '50', '60', '-10', 'Set to qty']);
  await notice(/Toor Dal 1 kg: 50 in B2/);

  step('a recount of the shelf replaces this till\'s figure there');
  await page.fill('input[name=count-qty]', '45');
  await page.getByRole('button', { name: 'Set to qty: Toor Dal 1 kg in this bin, to the quantity typed' }).click();
  await waitCounted('Toor Dal 1 kg', ['B2: 45', '45', '60', '-15', 'Set to qty']);
  await notice(/Toor Dal 1 kg in B2: this till now counts 45/);

  step('a bin name too long is refused in words, not cut short');
  await page.fill('input[name=bin]', 'S1-THIS-BIN-NAME-IS-WAY-TOO-LONG');
  await page.fill('input[name=count-code]', DAL);
  await page.press('input[name=count-code]', 'Enter');
  await notice(/[Bb]in must be at most 20 characters/);
  await page.fill('input[name=bin]', 'B2');

  step('a barcode the store does not sell is refused in words and counts nothing');
  await page.fill('input[name=count-code]', '8901058000023');
  await page.press('input[name=count-code]', 'Enter');
  await notice(/not in the store's catalog/);
  check(Object.keys(await counted()).length === 2, 'still two items counted');
  const uncounted = await page.textContent('[data-testid=uncounted]');
  check(/2 items with stock are not counted/.test(uncounted), `the uncounted items are said: ${uncounted}`);
  await checkScreen(page, SHOTS, 'stock-take-counting');

  step('the approval asks for the manager again, then adjusts the ledger');
  await page.getByRole('button', { name: 'Approve count' }).click();
  await notice(/needs a manager/);
  await page.fill('input[name=manager-code]', '301');
  await page.fill('input[name=manager-pin]', '2468');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await notice(/Approved: 4 items adjusted/);
  await page.waitForFunction(() => document.querySelector('[data-testid=take-state]')?.textContent.includes('Approved'));
  check((await page.$('input[name=count-code]')) === null, 'an approved count takes no more scans');
  check((await page.textContent('h1')).startsWith('Stock take: Month end'), 'an approved count is no longer headed as counting');
  console.log('result {}');
} catch (e) {
  await page.screenshot({ path: `${SHOTS}/stock-take-failure.png` }).catch(() => undefined);
  throw e;
} finally {
  await browser.close();
}
process.exit(0);
