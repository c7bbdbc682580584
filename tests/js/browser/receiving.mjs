// Goods in on a real till in headless Chromium: the clerk opens Goods in
// from the Shift screen, picks the purchase order HQ raised, types the
// supplier's bill number, and takes the delivery in: a scanner burst with
// the batch typed (the packs carry no GS1 label), a case typed with its
// count, a pack refused as damaged, another item short and recounted; a
// barcode the store does not sell and a date that is not one are refused in
// words. The sheet shows the delivery against the order before it is
// posted. Run by the browser test `receiving_ui`, which starts the hub and
// the till, raises the order and checks the ledgers afterwards.

import { launchChromium, recordTones } from './browser.mjs';
import { checkScreen } from './layout.mjs';
import { burst } from './scanner.mjs';
import { waitNotice } from './notices.mjs';

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
const notice = (pattern) => waitNotice(page, pattern);
/** A table's rows by item name: the cells after the name. */
const rows = (testid) =>
  page.evaluate(
    (id) =>
      Object.fromEntries(
        [...document.querySelectorAll(`[data-testid=${id}] tbody tr`)].map((row) => {
          const cells = [...row.querySelectorAll('td')].map((c) => c.textContent.trim());
          return [cells[0], cells.slice(1)];
        }),
      ),
    testid,
  );
async function waitRow(testid, name, cells) {
  try {
    await page.waitForFunction(
      ([id, n, want]) => {
        const row = [...document.querySelectorAll(`[data-testid=${id}] tbody tr`)].find((r) => r.querySelector('td')?.textContent.trim() === n);
        return row && JSON.stringify([...row.querySelectorAll('td')].slice(1).map((c) => c.textContent.trim())) === JSON.stringify(want);
      },
      [testid, name, cells],
      { timeout: 10_000 },
    );
  } catch {
    throw new Error(`${testid}: ${name} is not ${JSON.stringify(cells)}: ${JSON.stringify(await rows(testid))}`);
  }
}

try {
  step('the clerk signs in and opens Goods in from the Shift screen');
  await page.goto(TILL);
  await page.waitForSelector('input[name=code]');
  // Typed at a person's pace: a burst is a scanner's.
  await page.keyboard.type('101', { delay: 60 });
  await page.keyboard.press('Enter');
  await page.keyboard.type('4821', { delay: 60 });
  await page.keyboard.press('Enter');
  await page.waitForSelector('#search');
  await page.getByRole('button', { name: 'Shift', exact: true }).click();
  await page.getByRole('button', { name: 'Goods in', exact: true }).click();
  await page.waitForSelector('[data-testid=orders] li');
  const listed = await page.textContent('[data-testid=orders]');
  check(/PO-000001/.test(listed) && /Sharma Traders · 2 items to come/.test(listed), `the order is offered: ${listed}`);
  await checkScreen(page, SHOTS, 'goods-in');

  step('the order is opened with the bill number typed');
  await page.fill('input[name=bill-no]', 'INV-4471');
  await page.getByRole('button', { name: 'Receive PO-000001 from Sharma Traders' }).click();
  await page.waitForSelector('input[name=receive-code]');
  check((await page.textContent('h1')).includes('Receiving PO-000001 from Sharma Traders'), 'the delivery opens');
  check((await page.textContent('[data-testid=receipt-state]')).includes('INV-4471'), 'the bill number is kept');
  await waitRow('against-order', 'Assam Tea 250 g', ['24', '0', '0', '0', '24', '0']);
  check((await page.$('[data-testid=differs]')) === null, 'nothing differs before anything is scanned');

  step('a scanner burst with the batch typed, and kept, goes into that batch');
  await page.fill('input[name=batch]', 'T-1');
  await page.fill('input[name=expiry]', '2027-03-31');
  await page.check('input[name=keep-batch]');
  await page.focus('input[name=receive-code]');
  await tones();
  await burst(page, [TEA, TEA, TEA]);
  await waitRow('delivered', 'Assam Tea 250 g', ['T-1 · 2027-03-31', '3', '0', 'Set to qty']);
  check((await tones()).filter((f) => f === OK_TONE).length >= 3, 'each scan taken in is heard');

  step('a case typed with its count, then a pack refused as damaged');
  await page.fill('input[name=receive-code]', TEA);
  await page.fill('input[name=receive-qty]', '21');
  await page.press('input[name=receive-qty]', 'Enter');
  await waitRow('delivered', 'Assam Tea 250 g', ['T-1 · 2027-03-31', '24', '0', 'Set to qty']);
  await page.check('input[name=damaged]');
  await page.fill('input[name=receive-code]', TEA);
  await page.press('input[name=receive-code]', 'Enter');
  await notice(/Assam Tea 250 g: 1 damaged, going back/);
  await waitRow('delivered', 'Assam Tea 250 g', ['T-1 · 2027-03-31', '24', '1', 'Set to qty']);
  check(!(await page.isChecked('input[name=damaged]')), 'damaged is for one scan only');

  step('a typed batch not kept is for one scan only');
  await page.uncheck('input[name=keep-batch]');
  await page.fill('input[name=receive-code]', TEA);
  await page.fill('input[name=receive-qty]', '0');
  await page.press('input[name=receive-qty]', 'Enter');
  await notice(/more than zero/);
  check((await page.inputValue('input[name=batch]')) === 'T-1', 'a refused scan keeps what was typed');

  step('bad input is refused in words and takes nothing in');
  await page.fill('input[name=expiry]', '31/03/2027');
  await page.fill('input[name=receive-code]', DAL);
  await page.press('input[name=receive-code]', 'Enter');
  await notice(/not a date such as 2026-12-31/);
  await page.fill('input[name=batch]', '');
  await page.fill('input[name=expiry]', '');
  await page.fill('input[name=receive-code]', '8901058000023');
  await page.press('input[name=receive-code]', 'Enter');
  await notice(/not in the store's catalog/);
  check(Object.keys(await rows('delivered')).length === 1, 'still one line');

  step('dal comes short, miscounted, and is recounted');
  await page.fill('input[name=receive-code]', DAL);
  await page.fill('input[name=receive-qty]', '8');
  await page.press('input[name=receive-qty]', 'Enter');
  await waitRow('delivered', 'Toor Dal 1 kg', ['—', '8', '0', 'Set to qty']);
  await page.getByRole('button', { name: 'Set to qty: Toor Dal 1 kg, no batch, to the quantity typed' }).click();
  await notice(/Type the quantity first/);
  await waitRow('delivered', 'Toor Dal 1 kg', ['—', '8', '0', 'Set to qty']);
  await page.fill('input[name=receive-qty]', '7');
  await page.getByRole('button', { name: 'Set to qty: Toor Dal 1 kg, no batch, to the quantity typed' }).click();
  await waitRow('delivered', 'Toor Dal 1 kg', ['—', '7', '0', 'Set to qty']);
  await waitRow('against-order', 'Toor Dal 1 kg', ['10', '0', '7', '0', '3', '0']);
  await waitRow('against-order', 'Assam Tea 250 g', ['24', '0', '24', '1', '0', '0']);
  check(/differs from the order/.test(await page.textContent('[data-testid=differs]')), 'the difference is said before posting');
  await checkScreen(page, SHOTS, 'goods-receiving');

  step('a delivery that differs from its order is posted on a second press');
  await page.getByRole('button', { name: 'Post delivery' }).click();
  await notice(/differs from the order .* press Post anyway/);
  check((await page.textContent('[data-testid=receipt-state]')).includes('Being received'), 'not posted on the first press');
  await page.getByRole('button', { name: 'Post anyway' }).click();
  await notice(/Posted: 2 items into stock, 1 sent back/);
  await page.waitForFunction(() => document.querySelector('[data-testid=receipt-state]')?.textContent.includes('Posted'));
  check((await page.$('input[name=receive-code]')) === null, 'a posted delivery takes no more scans');
  check((await page.textContent('h1')).startsWith('Received PO-000001'), 'a posted delivery is headed as received');

  step('back on the list, the delivery is this till\'s latest');
  await page.getByRole('button', { name: 'Back (Esc)' }).click();
  await page.waitForSelector('[data-testid=receipts] li');
  const listedReceipts = await page.textContent('[data-testid=receipts]');
  check(/Posted/.test(listedReceipts) && /INV-4471/.test(listedReceipts), `the posted delivery is listed with its bill: ${listedReceipts}`);
  console.log('result {}');
} catch (e) {
  await page.screenshot({ path: `${SHOTS}/receiving-failure.png` }).catch(() => undefined);
  throw e;
} finally {
  await browser.close();
}
process.exit(0);
