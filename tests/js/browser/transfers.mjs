// Transfers on two real tills in headless Chromium. PART=send, at the
// source store's till: the clerk opens Transfers from the Shift screen,
// picks HQ's request, scans the goods out in a scanner burst and a typed
// case (an item not in the transfer refused in words) and dispatches them.
// PART=receive, at the destination's till: the clerk opens the transfer on
// its way, sees the batch it was sent in, scans what arrived, is told it is
// short and receives it on a second press. Run by the browser test
// `transfers_ui`, which starts the hub and both tills, raises the request
// and checks the ledgers between and after.

import { launchChromium, recordTones } from './browser.mjs';
import { checkScreen } from './layout.mjs';
import { burst } from './scanner.mjs';
import { waitNotice } from './notices.mjs';

const { TILL, SHOTS, TEA, DAL, PART, OTHER_STORE } = process.env;
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
const counted = () => page.textContent('[data-testid=transfer-state]');

async function openTransfers() {
  await page.goto(TILL);
  await page.waitForSelector('input[name=code]');
  // Typed at a person's pace: a burst is a scanner's.
  await page.keyboard.type('101', { delay: 60 });
  await page.keyboard.press('Enter');
  await page.keyboard.type('4821', { delay: 60 });
  await page.keyboard.press('Enter');
  await page.waitForSelector('#search');
  await page.getByRole('button', { name: 'Shift', exact: true }).click();
  await page.getByRole('button', { name: 'Transfers', exact: true }).click();
}

try {
  if (PART === 'send') {
    step('the clerk opens Transfers and finds what HQ asked for');
    await openTransfers();
    await page.waitForSelector('[data-testid=to-send] li');
    const listed = await page.textContent('[data-testid=to-send]');
    check(listed.includes('Assam Tea 250 g') && listed.includes(`6 to ${OTHER_STORE}`), `the request is offered: ${listed}`);
    check(/No transfers are on their way/.test(await page.textContent('main')), 'nothing is coming here');
    await checkScreen(page, SHOTS, 'transfers');
    await page.getByRole('button', { name: `Send Assam Tea 250 g to ${OTHER_STORE}` }).click();
    await page.waitForSelector('input[name=transfer-code]');

    step('a burst of scans and a typed case count the goods out');
    await tones();
    await burst(page, [TEA, TEA, TEA, TEA]);
    await page.waitForFunction(() => document.querySelector('[data-testid=transfer-state]')?.textContent.includes('counted 4'));
    // A busy machine plays a tone a moment after the count shows.
    await page
      .waitForFunction((ok) => window.__tones.filter((f) => f === ok).length >= 4, OK_TONE, { timeout: 5000 })
      .catch(async () => check(false, `each scan is heard: ${JSON.stringify(await tones())}`));
    await page.fill('input[name=transfer-code]', TEA);
    await page.fill('input[name=transfer-qty]', '3');
    await page.press('input[name=transfer-qty]', 'Enter');
    await notice(/Only 6 were asked for; this would count 7/);
    check((await counted()).includes('counted 4'), `a refused case counts nothing: ${await counted()}`);
    await page.fill('input[name=transfer-qty]', '2');
    await page.fill('input[name=transfer-code]', TEA);
    await page.press('input[name=transfer-code]', 'Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid=transfer-state]')?.textContent.includes('counted 6'));
    await page
      .waitForFunction(() => document.activeElement?.getAttribute('name') === 'transfer-code', null, { timeout: 3000 })
      .catch(() => check(false, 'after a typed case the cursor is back in the barcode field, for the scanner'));
    await burst(page, [DAL]);
    await notice(/Toor Dal 1 kg is not in this transfer, which moves Assam Tea 250 g/);
    await checkScreen(page, SHOTS, 'transfers-sending');

    step('dispatched: the stock leaves and the request is done here');
    await page.getByRole('button', { name: 'Dispatch 6' }).click();
    await notice(new RegExp(`Dispatched 6 to ${OTHER_STORE}`));
    await page.waitForSelector('[data-testid=done-here]');
    check((await page.$('input[name=transfer-code]')) === null, 'a dispatched transfer takes no more scans');
    await page.getByRole('button', { name: 'Back (Esc)' }).click();
    await page.waitForFunction(() => /No requests from HQ to send goods/.test(document.querySelector('main')?.textContent ?? ''));

    step('stock alerts: tea to reorder, dal about to expire');
    await page.getByRole('button', { name: 'Back (Esc)' }).click();
    await page.waitForSelector('#search');
    await page.getByRole('button', { name: 'Shift', exact: true }).click();
    await page.getByRole('button', { name: 'Stock alerts', exact: true }).click();
    await page.waitForSelector('[data-testid=low-stock] tbody tr');
    const low = await page.textContent('[data-testid=low-stock]');
    check(low.includes('Assam Tea 250 g') && low.includes('1000'), `tea is to reorder: ${low}`);
    const expiring = await page.textContent('[data-testid=expiring]');
    check(/Toor Dal 1 kg\s*D-7.*2 days left/.test(expiring), `dal's batch is about to expire: ${expiring}`);
    check(/As the hub counted at/.test(await page.textContent('[data-testid=alerts-as-of]')), 'the lists say when they were counted');
    await checkScreen(page, SHOTS, 'stock-alerts');
  } else {
    step('the clerk at the destination opens the transfer on its way');
    await openTransfers();
    await page.waitForSelector('[data-testid=to-receive] li');
    const listed = await page.textContent('[data-testid=to-receive]');
    check(listed.includes(`6 from ${OTHER_STORE}`), `the transfer is offered: ${listed}`);
    await page.getByRole('button', { name: `Receive Assam Tea 250 g from ${OTHER_STORE}` }).click();
    await page.waitForSelector('input[name=transfer-code]');
    const sent = await page.textContent('[data-testid=sent-batches]');
    check(sent.includes('L1 (2027-01-31) × 6'), `the batch it was sent in is shown: ${sent}`);

    step('five arrived: scanned in, short on the first press, received on the second');
    await burst(page, [TEA, TEA, TEA, TEA, TEA]);
    await page.waitForFunction(() => document.querySelector('[data-testid=transfer-state]')?.textContent.includes('counted 5'));
    await page.getByRole('button', { name: 'Receive 5' }).click();
    await notice(/Counted 5 of the 6 sent: the rest will show as short/);
    check((await page.$('[data-testid=done-here]')) === null, 'not received on the first press');
    await checkScreen(page, SHOTS, 'transfers-receiving');
    await page.getByRole('button', { name: 'Receive only 5' }).click();
    await notice(new RegExp(`Received 5 from ${OTHER_STORE}`));
    await page.waitForSelector('[data-testid=done-here]');
  }
  console.log('result {}');
} catch (e) {
  await page.screenshot({ path: `${SHOTS}/transfers-${PART}-failure.png` }).catch(() => undefined);
  throw e;
} finally {
  await browser.close();
}
process.exit(0);
