// Credit on a real till in headless Chromium: the cashier rings up a tea,
// puts the whole bill on the customer's account (On account, F8), seeing
// what the customer owes and what can go on the account here; a bill bigger
// than that is refused in words. Then the customer pays part of the dues in
// cash from the customer dialog, and the shift's X report counts that cash
// in the drawer. Run by the browser test `credit_ui`, which opens the
// account at the hub and checks its statement afterwards.

import { launchChromium } from './browser.mjs';
import { checkScreen } from './layout.mjs';
import { scan } from './scanner.mjs';
import { signInAndOpenShift, waitText } from './shift.mjs';
import { waitNotice } from './notices.mjs';

const { TILL, SHOTS, TEA } = process.env;
const step = (what) => console.log(`- ${what}`);
const check = (ok, what) => {
  if (!ok) throw new Error(`failed: ${what}`);
};

const browser = await launchChromium();
const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, bypassCSP: true });
const page = await context.newPage();
page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
const text = (selector) => page.textContent(selector);
const waitFor = (selector, pattern) => waitText(page, selector, pattern);

try {
  step('the cashier signs in and opens a shift');
  await signInAndOpenShift(page, TILL);

  step('a tea goes wholly on the account (F8), the customer named by phone');
  await scan(page, TEA);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=lines] tr').length === 1);
  await page.keyboard.press('F12');
  await page.waitForSelector('[data-testid=due]');
  const due = (await text('[data-testid=due]')).trim();
  await page.keyboard.press('F8');
  // The on-account row replaced the untouched cash row, and the cursor is
  // on the phone.
  await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'customer-phone');
  const methods = await page.$$eval('.tender-row', (rows) => rows.map((r) => r.dataset.method));
  if (JSON.stringify(methods) !== '["credit"]') throw new Error(`rows: ${methods}`);
  await page.keyboard.type('98765 43210');
  await waitFor('[data-testid=credit-account]', /Meena Iyer owes ₹0\.00; ₹500\.00 can go on account at this till/);
  await checkScreen(page, SHOTS, 'tender-on-account');
  // More than this till holds, with the hub at hand: it is topped up.
  await page.fill('input[name=amount-0]', due.replace('₹', ''));
  await page.keyboard.press('F12');
  const heading = await page.waitForSelector('.receipt-screen h1');
  const receipt = (await heading.textContent()).replace('Receipt ', '').trim();
  await waitFor('[data-testid=receipt]', /On account/);
  console.log(`receipt ${receipt} for ${due}`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#search');

  step('a bill on an unknown number is refused in words before it is sent');
  await scan(page, TEA);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=lines] tr').length === 1);
  await page.keyboard.press('F12');
  await page.waitForSelector('[data-testid=due]');
  await page.keyboard.press('F8');
  await page.keyboard.press('F12');
  await waitNotice(page, /needs the customer's mobile number/);
  await page.keyboard.type('91234 56789');
  await waitFor('[data-testid=credit-account]', /No credit account for this number/);
  await page.keyboard.press('F12');
  await waitNotice(page, /no credit account at this store/);
  await page.keyboard.press('Escape');
  await page.waitForSelector('#search');

  step('the customer pays ₹100 of the dues in cash from the customer dialog');
  await page.getByRole('button', { name: 'Customer', exact: true }).click();
  // The look-up finds the account's holder by name, profile or not.
  await page.fill('input[name=customer-search]', 'meena');
  await page.waitForSelector('[data-testid=account-holders] li');
  await page.locator('[data-testid=account-holders] li', { hasText: 'Meena Iyer' }).getByRole('button', { name: 'Credit account' }).click();
  // What the customer owes counts the bill just put on the account.
  await waitFor('[data-testid=dues-figures]', new RegExp(`Owes ${due.replace('.', '\\.')} of a ₹1,000\\.00 limit`));
  await page.fill('input[name=dues-amount]', 'ten');
  await page.getByRole('button', { name: 'Take payment' }).click();
  await page.waitForSelector('[data-testid=dues] [role=alert]');
  await page.fill('input[name=dues-amount]', '100');
  await page.getByRole('button', { name: 'Take payment' }).click();
  await waitFor('[data-testid=dues] [role=status]', /₹100\.00 paid against the dues/);
  await waitFor('[data-testid=dues-figures]', /Owes ₹45\.00 of/);
  // No WhatsApp provider on this till: the reminder is a link to hand over.
  await page.getByRole('button', { name: 'Remind by WhatsApp' }).click();
  await page.waitForSelector('[data-testid=reminder-state][data-state=link_only]');
  const reminder = decodeURIComponent(await page.getAttribute('[data-testid=reminder-link]', 'href'));
  check(reminder.startsWith('https://wa.me/919876543210') && /shows ₹45\.00 due/.test(reminder), `the reminder says what is owed: ${reminder}`);
  await checkScreen(page, SHOTS, 'dues-paid');
  await page.keyboard.press('Escape');

  step('the X report counts the dues paid in cash in the drawer');
  await page.getByRole('button', { name: 'Shift', exact: true }).click();
  await waitFor('[data-testid=x-report]', /Dues paid by Cash₹100\.00/);
  await waitFor('[data-testid=x-report]', /On account/);
  console.log(`result ${due}`);
} finally {
  await browser.close();
}
