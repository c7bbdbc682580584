// A busy counter on one real till in headless Chromium: scans in bursts with
// the cursor anywhere, the keyboard alone through sign-in, the bill and a
// split payment, held bills with their discounts and customer, every refusal
// in words, and the screens at a till's, a small till's and a handheld's
// size. Run by the system test `counter_ui`, which starts the hub and the
// till and passes their addresses in the environment.

import { launchChromium, recordTones } from './browser.mjs';
import { checkScreen } from './layout.mjs';
import { burst } from './scanner.mjs';
import { noticeText as readNotices, waitNotice } from './notices.mjs';

const { TILL, SHOTS, TEA, DAL, MILK } = process.env;
const step = (what) => console.log(`- ${what}`);
/** The bill keys its lines by GTIN-14. */
const gtin = (code) => code.padStart(14, '0');
const check = (ok, what) => {
  if (!ok) throw new Error(`failed: ${what}`);
};

/** ₹1,23,456.50 → paise. */
function paise(text) {
  const m = /(−|-)?₹([\d,]+)\.(\d{2})/.exec(text);
  if (!m) throw new Error(`no amount in ${JSON.stringify(text)}`);
  const value = Number(m[2].replace(/,/g, '')) * 100 + Number(m[3]);
  return m[1] ? -value : value;
}

const browser = await launchChromium();
const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, bypassCSP: true });
// Every tone the page plays, by frequency: each answer is heard as well as seen.
await recordTones(context);
const page = await context.newPage();
page.on('pageerror', (e) => console.log(`page error: ${e.message}`));

const OK_TONE = 1320;
const ERROR_TONE = 220;
const tones = () => page.evaluate(() => window.__tones.splice(0));
const focused = () => page.evaluate(() => {
  const a = document.activeElement;
  return a ? a.getAttribute('name') ?? a.id ?? a.tagName.toLowerCase() : null;
});
const noticeText = () => readNotices(page);
const notice = (pattern) => waitNotice(page, pattern);
/** Quantity on the bill per barcode (counted lines only). */
const quantities = () =>
  page.evaluate(() => {
    const out = {};
    for (const row of document.querySelectorAll('[data-testid=lines] tr')) {
      const q = Number(row.querySelector('input.qty')?.value ?? 0);
      out[row.dataset.barcode] = (out[row.dataset.barcode] ?? 0) + q;
    }
    return out;
  });
async function waitForQuantities(byCode, what) {
  const expected = Object.fromEntries(Object.entries(byCode).map(([c, q]) => [gtin(c), q]));
  try {
    await page.waitForFunction(
      (want) => {
        const got = {};
        for (const row of document.querySelectorAll('[data-testid=lines] tr')) {
          got[row.dataset.barcode] = (got[row.dataset.barcode] ?? 0) + Number(row.querySelector('input.qty')?.value ?? 0);
        }
        return Object.entries(want).every(([b, q]) => got[b] === q);
      },
      expected,
      { timeout: 15_000 },
    );
  } catch {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, the bill shows ${JSON.stringify(await quantities())}; messages: ${await noticeText()}; search: ${JSON.stringify(await page.inputValue('#search').catch(() => null))}`);
  }
}
const agent = (path, init) => page.evaluate(async ([path, init]) => {
  const r = await fetch(path, init);
  return { status: r.status, body: await r.json().catch(() => null) };
}, [path, init]);

try {
  step('sign-in by keyboard: the cursor starts in the code; a wrong PIN says the tries left');
  await page.goto(TILL);
  await page.waitForSelector('input[name=code]');
  check((await focused()) === 'code', `the cursor starts in the staff code, not ${await focused()}`);
  await checkScreen(page, SHOTS, 'counter-login');
  await page.keyboard.type('101', { delay: 60 });
  await page.keyboard.press('Enter');
  check((await focused()) === 'pin', `Enter after the staff code goes on to the PIN, not ${await focused()}`);
  await page.keyboard.type('0000', { delay: 60 });
  await page.keyboard.press('Enter');
  await notice(/do not match\. \d+ tries left/);
  check((await focused()) === 'pin', 'the cursor goes back to the PIN after a wrong one');
  await page.keyboard.type('4', { delay: 60 });
  await page.waitForFunction(() => ![...document.querySelectorAll('[data-testid=notice]')].some((n) => /do not match/.test(n.textContent)), null, { timeout: 5000 })
    .catch(async () => check(false, `the wrong-PIN message clears as the next PIN is typed: ${await noticeText()}`));
  await page.keyboard.press('Backspace');
  await page.keyboard.type('4821', { delay: 60 });
  await page.keyboard.press('Enter');
  await page.waitForSelector('#search');
  check((await focused()) === 'search', `the sale screen puts the cursor in search, not ${await focused()}`);

  step('no shift: said in the status bar; payment refused in words and with the refusal tone');
  await page.waitForFunction(() => document.querySelector('[data-testid=shift]')?.textContent.includes('open one to take payment'));
  await burst(page, [TEA]);
  await waitForQuantities({ [TEA]: 1 }, 'one tea');
  await tones();
  await page.keyboard.press('F12');
  await notice(/Open a shift before taking payment/);
  check((await tones()).includes(ERROR_TONE), 'the refusal tone');
  check((await page.$('[data-testid=due]')) === null, 'no payment screen without a shift');
  step('the shift opened by keyboard: the cursor arrives in the float');
  await page.getByRole('button', { name: 'Shift', exact: true }).click();
  await page.waitForSelector('input[name=opening-float]');
  check((await focused()) === 'opening-float', `the shift screen puts the cursor in the float, not ${await focused()}`);
  await checkScreen(page, SHOTS, 'counter-shift-open');
  await page.keyboard.type('1000', { delay: 40 });
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=x-report]');
  check(!/Open a shift/.test(await noticeText()), 'the refusal does not linger on the next screen');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#search');
  check((await focused()) === 'search', 'back on the bill, the cursor is in search');

  step('bursts of 10 scans with the cursor in search, a quantity, a tender amount and nowhere: 0 lost, 0 doubled, each heard and flashed');
  const codes = [TEA, DAL, TEA, TEA, DAL, TEA, DAL, DAL, TEA, TEA];
  // The tea from the refused payment is still on the bill.
  const want = { [TEA]: 1, [DAL]: 0 };
  const perBurst = { [TEA]: codes.filter((c) => c === TEA).length, [DAL]: codes.filter((c) => c === DAL).length };
  // A page that is busy rendering (as a slow till is) for half the bursts.
  const busy = (on) => page.evaluate((on) => {
    clearInterval(window.__busy);
    if (on) window.__busy = setInterval(() => { const end = performance.now() + 25; while (performance.now() < end); }, 30);
  }, on);
  const places = ['search', 'quantity', 'tender', 'none'];
  let bursts = 0;
  for (const place of places) {
    for (let rep = 0; rep < 20; rep++) {
      await busy(rep % 2 === 1);
      if (place === 'search') await page.focus('#search');
      else if (place === 'quantity') await page.focus(`[data-testid=lines] tr[data-barcode="${gtin(DAL)}"] input.qty, [data-testid=lines] input.qty`);
      else if (place === 'tender') {
        await page.keyboard.press('F12');
        await page.waitForSelector('input[name=amount-0]');
        await page.focus('input[name=amount-0]');
      } else await page.evaluate(() => document.activeElement?.blur());
      const flashBefore = await page.evaluate(() => Math.max(0, ...[...document.querySelectorAll('[data-flash]')].map((r) => Number(r.dataset.flash))));
      await tones();
      await burst(page, codes);
      want[TEA] += perBurst[TEA];
      want[DAL] += perBurst[DAL];
      await waitForQuantities(want, `burst ${rep + 1} with the cursor in ${place}`);
      await busy(false);
      await page.waitForTimeout(150);
      const heard = (await tones()).filter((f) => f === OK_TONE).length;
      check(heard === codes.length, `burst ${rep + 1} (${place}): ${heard} success tones for ${codes.length} scans`);
      const flashAfter = await page.evaluate(() => Math.max(0, ...[...document.querySelectorAll('[data-flash]')].map((r) => Number(r.dataset.flash))));
      check(flashAfter > flashBefore, `burst ${rep + 1} (${place}): the scanned line flashed`);
      bursts += 1;
      const search = await page.inputValue('#search');
      check(search === '', `burst ${rep + 1} (${place}): nothing typed into search (${JSON.stringify(search)})`);
      const qtys = await page.$$eval('[data-testid=lines] input.qty', (inputs) => inputs.map((i) => i.value));
      check(qtys.every((q) => /^\d+$/.test(q) && Number(q) < 1000), `burst ${rep + 1} (${place}): no scan typed into a quantity (${qtys})`);
    }
  }
  console.log(`bursts: ${bursts} bursts of ${codes.length} scans with the cursor in ${places.join(', ')}: 0 lost, 0 doubled, each burst heard and flashed`);
  await checkScreen(page, SHOTS, 'counter-sale', undefined, { fitsTill: true });

  step('refusals in words: an unknown barcode, quantities 0, −1, abc and 28901234567890');
  await tones();
  await burst(page, ['5901234123457']);
  await notice(/No item with barcode 5901234123457/);
  check((await tones()).includes(ERROR_TONE), 'an unknown barcode gets the refusal tone');
  const dalQty = `[data-testid=lines] tr[data-barcode="${gtin(DAL)}"] input.qty`;
  for (const bad of ['0', '-1', 'abc', '28901234567890']) {
    await page.fill(dalQty, bad);
    await page.waitForSelector(`[data-testid=lines] tr[data-barcode="${gtin(DAL)}"] .line-problem`);
    const problem = await page.textContent(`[data-testid=lines] tr[data-barcode="${gtin(DAL)}"] .line-problem`);
    check(/Toor Dal 1 kg: (enter a whole number from 1 to 9,999|at most 9,999)/.test(problem), `quantity ${bad}: ${problem}`);
    check(await page.isDisabled('button:has-text("Pay (F12)")'), `Pay is disabled with quantity ${bad}`);
    const total = await page.textContent('[data-testid=total]');
    check(!total.includes('e+') && total.length < 20, `the total stays in words with quantity ${bad}: ${total}`);
    await page.keyboard.press('F12');
    await notice(/Toor Dal 1 kg/);
    check((await page.$('[data-testid=due]')) === null, `no payment with quantity ${bad}`);
  }
  await page.fill(dalQty, '2');
  await page.waitForSelector(`[data-testid=lines] tr[data-barcode="${gtin(DAL)}"] .line-problem`, { state: 'detached' });
  // A code that is no barcode: the sentence only, and the last "Added" gone.
  await burst(page, [DAL]);
  await page.waitForSelector('[data-testid=last-scan].on');
  await burst(page, ['1262010016']);
  await notice(/This is not a barcode the till can read/);
  const unreadable = await noticeText();
  check(!/GTIN|GS1|\(/.test(unreadable), `no parser text for the cashier: ${unreadable}`);
  check(!/Added/.test(await page.textContent('[data-testid=last-scan]')), 'the last scan\'s "Added" does not stand beside a refusal');
  await page.fill(dalQty, '2');

  step('a barcode typed by hand into search (a label the scanner cannot read), then Enter');
  await page.focus('#search');
  await page.keyboard.type(MILK, { delay: 110 });
  await page.keyboard.press('Enter');
  await waitForQuantities({ [MILK]: 1 }, 'milk typed by hand');
  check((await page.inputValue('#search')) === '', 'search is empty after the typed barcode');
  await page.keyboard.type('99999999*', { delay: 60 });
  await notice(/The count before × must be from 1 to/);
  check((await page.inputValue('#search')) === '', 'an over-long count is refused, not left in search');

  step('clear by keyboard: Delete voids the selected line, written to the audit log');
  await page.focus('#search');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  for (;;) {
    const n = await page.$$eval('[data-testid=lines] tr', (r) => r.length);
    if (!n) break;
    await page.keyboard.press('Delete');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=lines] tr').length === n - 1, n);
  }
  const audit = await agent('/v1/audit?limit=20');
  const voids = audit.body.filter((e) => e.action === 'line_voided');
  check(voids.length >= 2, `the voids are in the audit log: ${JSON.stringify(audit.body.slice(0, 3))}`);

  step('"3 ×" then a scan; + and − on the selected line; arrows between lines');
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.type('3*', { delay: 80 });
  await page.waitForSelector('[data-testid=multiplier]');
  await burst(page, [DAL]);
  await waitForQuantities({ [DAL]: 3 }, '3 × dal');
  check((await page.$('[data-testid=multiplier]')) === null, 'the count is used once');
  await burst(page, [MILK]);
  await waitForQuantities({ [DAL]: 3, [MILK]: 1 }, 'one milk');
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  await waitForQuantities({ [DAL]: 3, [MILK]: 3 }, '+ twice on the milk');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('-');
  await waitForQuantities({ [DAL]: 2, [MILK]: 3 }, '− on the dal after ↑');
  // On the on-screen pad: 2 × then a tea.
  await page.getByRole('button', { name: '2', exact: true }).click();
  await page.getByRole('button', { name: /^Times/ }).click();
  await page.waitForSelector('[data-testid=multiplier]');
  await burst(page, [TEA]);
  await waitForQuantities({ [DAL]: 2, [MILK]: 3, [TEA]: 2 }, 'the pad\'s 2 × tea');

  step('a keyboard-only split payment: F12, cash typed, F6 moves to the card reference');
  // 2 × ₹169 + 3 × ₹30 + 2 × ₹145 = ₹718.00
  await page.waitForFunction(() => document.querySelector('[data-testid=total]')?.textContent === '₹718.00');
  await page.keyboard.press('F12');
  await page.waitForSelector('[data-testid=due]');
  check((await focused()) === 'amount-0', `the payment screen puts the cursor in the cash amount, not ${await focused()}`);
  const quick = await page.$$eval('[data-testid=quick-cash]', (b) => b.map((x) => x.textContent));
  check(JSON.stringify(quick) === JSON.stringify(['Exact ₹718.00', '₹800.00', '₹1,000.00', '₹2,000.00']), `quick cash: ${quick}`);
  await page.keyboard.type('500', { delay: 40 });
  await page.keyboard.press('F6');
  await page.waitForSelector('input[name=reference-1]');
  check((await focused()) === 'reference-1', `F6 puts the cursor in the card's reference, not ${await focused()}`);
  check((await page.inputValue('input[name=amount-1]')) === '218.00', 'the card row takes what is left');
  await page.keyboard.press('F12');
  await notice(/Enter the approval code printed by the card machine/);
  check((await focused()) === 'reference-1', 'the missing reference gets the cursor');
  await page.keyboard.type('AP7777', { delay: 40 });
  check((await page.inputValue('input[name=amount-0]')) === '500', 'the reference went into its own field, not the cash');
  // Three payment rows: "Complete sale" stays on a 768-pixel screen.
  await page.keyboard.press('F7');
  await page.waitForSelector('input[name=reference-2]');
  await checkScreen(page, SHOTS, 'counter-tender-three');
  for (const [w, h] of [[1366, 768], [1024, 768]]) {
    await page.setViewportSize({ width: w, height: h });
    const box = await page.locator('button:has-text("Complete sale")').boundingBox();
    check(box && box.y + box.height <= h, `"Complete sale" is in view at ${w}×${h}: ${JSON.stringify(box)}`);
  }
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.getByRole('button', { name: 'Remove' }).last().click();
  await page.fill('input[name=amount-0]', '0');
  await page.keyboard.press('F12');
  await notice(/Enter an amount above ₹0/);
  check(paise(await page.textContent('[data-testid=change]')) === 0, 'no change shown against a ₹0 cash row');
  await page.fill('input[name=amount-0]', '500');
  await page.fill('input[name=amount-1]', '818');
  await page.keyboard.press('F12');
  await notice(/Card and UPI are ₹100\.00 more than the bill/);
  check(paise(await page.textContent('[data-testid=change]')) === 0, 'no change shown while the card overpays');
  check((await page.getAttribute('input[name=amount-1]', 'aria-invalid')) === 'true', 'the card amount is marked wrong');
  check((await focused()) === 'amount-1', 'the cursor goes to the card amount');
  await page.fill('input[name=amount-1]', '218');
  // A mistyped cash amount: crores of change are refused, not paid out.
  await page.fill('input[name=amount-0]', '10000000');
  await page.keyboard.press('F12');
  await notice(/in change: more than the largest note/);
  check((await page.$('.receipt-screen')) === null, 'no sale with absurd change');
  await page.fill('input[name=amount-0]', '500');
  await page.focus('input[name=reference-1]');
  await page.keyboard.press('F12');
  await page.waitForSelector('.receipt-screen');
  const receiptNo = (await page.textContent('.receipt-screen h1')).replace('Receipt ', '').trim();
  const sold = await agent(`/v1/sales/by-receipt/${receiptNo}`);
  const tenders = sold.body.sale.tenders.map((t) => `${t.method}:${t.amount.minor}:${t.reference ?? ''}`);
  check(JSON.stringify(tenders) === JSON.stringify(['cash:50000:', 'card:21800:AP7777']), `the tenders recorded: ${tenders}`);
  check(/Next customer/.test(await page.evaluate(() => document.activeElement?.textContent ?? '')), 'the receipt screen puts the cursor on Next customer');
  await checkScreen(page, SHOTS, 'counter-receipt');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#search');

  step('UPI by QR: the intent on the payment screen and on the customer display; the display thanks them after');
  const display = await context.newPage();
  await display.goto(new URL('/display', TILL).href);
  await burst(page, [MILK]);
  await waitForQuantities({ [MILK]: 1 }, 'one milk');
  await display.waitForFunction(() => /Milk 500 ml/.test(document.body.textContent));
  await page.keyboard.press('F12');
  await page.waitForSelector('[data-testid=due]');
  // UPI before any cash is typed: the whole bill by UPI, the cursor on its reference.
  await page.keyboard.press('F7');
  await page.waitForSelector('.tender-row[data-method=upi] input[name=reference-0]');
  check((await page.$$('.tender-row')).length === 1, 'one payment row: UPI for the whole bill');
  check((await focused()) === 'reference-0', `F7 puts the cursor in the UPI reference, not ${await focused()}`);
  await page.waitForSelector('[data-testid=upi-qr] img');
  await display.waitForSelector('[data-testid=cd-qr]', { timeout: 10_000 });
  const shownOnDisplay = await display.textContent('body');
  check(/₹30\.00/.test(shownOnDisplay) && /Scan to pay/.test(shownOnDisplay), `the display asks to scan and pay ₹30.00: ${shownOnDisplay.slice(0, 200)}`);
  check((await display.$('[data-testid=cd-paid]')) === null, `nothing is "Paid" before the UPI reference is taken: ${shownOnDisplay.slice(0, 200)}`);
  check(paise(await page.textContent('[data-testid=paid]')) === 0, 'the till does not count the UPI row as paid before its reference');
  const intent = await agent('/v1/display');
  check(intent.body?.upi?.uri?.startsWith('upi://pay?pa=kiranastore@okaxis&pn=Kirana%20Store&am=30.00&cu=INR'), `the intent on the display: ${intent.body?.upi?.uri}`);
  await checkScreen(page, SHOTS, 'counter-tender-upi');
  await page.keyboard.type('412345678901', { delay: 20 });
  await page.keyboard.press('F12');
  await page.waitForSelector('.receipt-screen');
  await display.waitForFunction(() => /Thank you/.test(document.body.textContent));
  await display.close();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#search');

  step('hold with a supervisor-approved discount and a customer; resume restores it all');
  await burst(page, [TEA, DAL]);
  await waitForQuantities({ [TEA]: 1, [DAL]: 1 }, 'tea and dal');
  await page.keyboard.press('F9');
  await page.fill('input[name=percent]', '15');
  await page.fill('input[name=reason]', 'damaged box');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForSelector('input[name=approver-code]');
  await page.fill('input[name=approver-code]', '102');
  await page.fill('input[name=approver-pin]', '7305');
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.waitForSelector('[data-testid=approved-by]');
  await page.getByRole('button', { name: 'Customer', exact: true }).click();
  await page.fill('input[name=customer-phone]', '98450 22222');
  await page.fill('input[name=customer-name]', 'Mrs Rao');
  await page.getByRole('button', { name: 'Save and use for this bill' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=customer]')?.textContent === 'Customer: Mrs Rao');
  const heldTotal = await page.textContent('[data-testid=total]');
  await page.keyboard.press('F4');
  await page.waitForSelector('input[name=hold-note]');
  // The dialog focuses its field as it opens, which a busy page may paint a
  // frame after the field appears.
  await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'hold-note', null, { timeout: 10000 })
    .catch(async () => check(false, `the hold dialog puts the cursor in its name, not ${await focused()}`));
  check((await page.inputValue('input[name=hold-note]')) === 'Mrs Rao', 'the held bill is named after its customer');
  await page.keyboard.press('Enter');
  await notice(/Bill held/);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=lines] tr').length === 0);
  await page.keyboard.press('F6');
  await page.waitForSelector('[data-testid=held-bills] li');
  const listed = await page.textContent('[data-testid=held-bills] li');
  check(!/Bill held/.test(await noticeText()), '"Bill held" does not linger on the next screen');
  check(listed.includes('Mrs Rao') && listed.includes(heldTotal) && /Asha/.test(listed) && /ago/.test(listed), `the held bill is listed by name, total, cashier and age: ${listed}`);
  check(/resume/i.test((await focused()) ?? '') || (await page.evaluate(() => document.activeElement?.textContent)) === 'Resume', 'the cursor is on Resume');
  await checkScreen(page, SHOTS, 'counter-held');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=approved-by]');
  await page.waitForFunction((t) => document.querySelector('[data-testid=total]')?.textContent === t, heldTotal);
  check((await page.textContent('[data-testid=customer]')) === 'Customer: Mrs Rao', 'the customer came back');
  await page.keyboard.press('F12');
  await page.waitForSelector('[data-testid=due]');
  await page.keyboard.press('F12');
  await page.waitForSelector('.receipt-screen');
  const resumedNo = (await page.textContent('.receipt-screen h1')).replace('Receipt ', '').trim();
  const resumed = await agent(`/v1/sales/by-receipt/${resumedNo}`);
  check(resumed.body.sale.customer?.phone === '+919845022222', `the resumed sale carries the customer: ${JSON.stringify(resumed.body.sale.customer)}`);
  check(paise(heldTotal) === resumed.body.sale.total.minor, `sold at the held total ${heldTotal}: ${resumed.body.sale.total.minor}`);
  await page.keyboard.press('Enter');

  step('focus on arrival at returns, devices and after switching cashier');
  await page.getByRole('button', { name: 'Returns' }).click();
  await page.waitForSelector('input[name=receipt-no]');
  check((await focused()) === 'receipt-no', 'returns: the cursor is in the receipt number');
  // The receipt's barcode scanned here finds the sale; scanned again, again.
  for (const time of ['first', 'second']) {
    await burst(page, [resumedNo]);
    await page.waitForSelector('input[name=return-qty-0]');
    // The second scan finds the lines of the first still on screen: wait for
    // its own lookup to land the cursor, which a busy machine takes a while.
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'return-qty-0', null, { timeout: 5000 })
      .catch(async () => check(false, `the ${time} scan of the receipt: the cursor goes to what comes back, not ${await focused()}`));
  }
  await burst(page, [TEA]);
  await notice(/That is an item's barcode/);
  await checkScreen(page, SHOTS, 'counter-returns');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Switch cashier' }).click();
  await page.waitForSelector('input[name=code]');
  check((await focused()) === 'code', 'after switching cashier, the cursor is in the staff code');
  console.log('result {}');
} catch (e) {
  for (const [i, p] of browser.contexts().flatMap((c) => c.pages()).entries()) {
    await p.screenshot({ path: `${SHOTS}/counter-failure-${i}.png` }).catch(() => undefined);
  }
  throw e;
} finally {
  await browser.close();
}
process.exit(0);
