// Drives the picker screens as a handheld on the store LAN, in headless
// Chromium at 360×740: an unpaired browser, pairing, the picker's sign-in,
// the queue with its SLA timers, claiming, picking by wedge scans (a wrong
// item, the later lot confirmed, a weighed item, a short line made up with a
// substitute, an undo), packing, and the device revoked at the till. Run by
// the browser test `picker_ui`, which starts the hub and the station, passes
// addresses and codes in the environment and answers `control …` lines on
// stdin with `ok`. Every screen is saved at 360×740 and 800×1280, checked
// with axe-core, and checked for horizontal scrolling at 360 px.

import { launchChromium, recordTones } from './browser.mjs';
import { createRequire } from 'node:module';
import readline from 'node:readline';
import path from 'node:path';
import { burst } from './scanner.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const env = process.env;
const { LAN, SHOTS, ORDER, OTHERS } = env;
const PHONE = { width: 360, height: 740 };
const SIZES = [[360, 740], [800, 1280]];

const replies = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function control(command) {
  console.log(`control ${command}`);
  const { value } = await replies.next();
  if (value !== 'ok') throw new Error(`control ${command}: answered ${value}`);
}
const step = (what) => console.log(`- ${what}`);
const check = (ok, what) => {
  if (!ok) throw new Error(what);
};

async function accessible(page, name) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const text = bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
    throw new Error(`${name}: accessibility violations:\n${text.join('\n')}`);
  }
}

/** Nothing is wider than the screen: no sideways scrolling on a phone. */
async function noSideScroll(page, name) {
  const { scroll, width, wide } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: document.documentElement.clientWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
  }));
  check(scroll <= width && !wide.length, `${name}: wider than ${width} px (${scroll} px): ${wide.join(', ')}`);
}

/** Touch targets: every button and field at least 44 px high. */
async function bigTargets(page, name) {
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('button, input')]
      .filter((e) => e.offsetParent !== null)
      .map((e) => [e.textContent || e.name, e.getBoundingClientRect().height])
      .filter(([, h]) => h < 44),
  );
  check(!small.length, `${name}: touch targets under 44 px: ${JSON.stringify(small)}`);
}

/** Saves the screen at both sizes, checks it with axe, and at 360 px for fit. */
async function shot(page, name) {
  for (const [width, height] of SIZES) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: path.join(SHOTS, `picker-${name}-${width}x${height}.png`), fullPage: true });
    await accessible(page, `${name} at ${width}×${height}`);
  }
  await page.setViewportSize(PHONE);
  await noSideScroll(page, name);
  await bigTargets(page, name);
}

/** A keyboard-wedge scanner: the code as a fast burst of keys, then Enter. */
/** A keyboard-wedge scanner: the code at scanner speed, then Enter. */
const wedge = (page, code) => burst(page, [code]);

/** Waits for the scan message of `tone` matching `pattern`; answers its text. */
async function answered(page, tone, pattern) {
  await page.waitForFunction(
    ([tone, p]) => {
      const m = document.querySelector('[data-testid=scan-message]');
      return m?.dataset.tone === tone && new RegExp(p).test(m.textContent);
    },
    [tone, pattern.source],
  );
  return page.textContent('[data-testid=scan-message]');
}

/** The line card of the item named `name`. */
const line = (page, name) => page.locator('.pick-line', { has: page.locator('h3', { hasText: name }) });

async function progress(page, name, text) {
  await line(page, name).locator('[data-testid=progress] .count').filter({ hasText: text }).waitFor();
}

/** The tones the page played, by frequency (recorded by the init script). */
const tones = (page) => page.evaluate(() => window.__tones.splice(0));

const browser = await launchChromium();
try {
  step('an unpaired browser gets the pairing screen, and the API refuses it');
  const stranger = await browser.newContext({ viewport: PHONE });
  const strangerPage = await stranger.newPage();
  await strangerPage.goto(`${LAN}/`);
  await strangerPage.waitForSelector('[data-testid=pairing]');
  check(new URL(strangerPage.url()).pathname === '/picker', `the LAN address leads to /picker, not ${strangerPage.url()}`);
  const refusals = await strangerPage.evaluate(async () => {
    const ask = async (headers) => {
      const r = await fetch('/v1/picking/orders', { headers });
      return [r.status, (await r.json()).type];
    };
    return [await ask({}), await ask({ authorization: 'Bearer not-a-token' })];
  });
  check(JSON.stringify(refusals) === JSON.stringify([[401, 'device_not_paired'], [401, 'device_not_paired']]),
    `unpaired calls: ${JSON.stringify(refusals)}`);
  // A garbage token in storage: the first call is refused and pairing shows.
  await strangerPage.evaluate(() =>
    localStorage.setItem('pos.handheld.pairing', JSON.stringify({ device_id: 'x', device_name: 'x', token: 'garbage' })));
  await strangerPage.reload();
  await strangerPage.waitForSelector('[data-testid=unpaired-why]');
  check(await strangerPage.evaluate(() => localStorage.getItem('pos.handheld.pairing') === null), 'a refused token is forgotten');
  await stranger.close();

  // axe is injected as a script tag: the till's CSP would rightly refuse it.
  const context = await browser.newContext({ viewport: PHONE, bypassCSP: true, hasTouch: true });
  // Every tone the page plays, by frequency: the scan feedback is heard too.
  await recordTones(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  // The agent's answers the screens got, for the type check on the Rust side.
  const answers = {};
  page.on('response', async (r) => {
    const { pathname } = new URL(r.url());
    const method = r.request().method();
    if (!r.ok() || !pathname.startsWith('/v1/')) return;
    const key =
      pathname === '/v1/pairing' ? 'paired'
      : pathname === '/v1/handheld/me' ? 'me'
      : pathname === '/v1/handheld/session' && method === 'POST' ? 'signed_in'
      : pathname === '/v1/picking/orders' ? 'queue'
      : pathname === `/v1/picking/orders/${ORDER}` ? 'sheet'
      : pathname.endsWith('/scans') ? 'picked'
      : pathname.endsWith('/pack') ? 'packed'
      : null;
    if (key) answers[key] = await r.json().catch(() => null);
  });

  step('pairing with the code the supervisor issued');
  await page.goto(`${LAN}/`);
  await page.waitForSelector('[data-testid=pairing]');
  await shot(page, 'pairing');
  await page.fill('input[name=pairing-code]', env.PAIRING_CODE);
  await page.fill('input[name=device-name]', 'Picker phone 3');
  await page.click('button[type=submit]');

  step('the picker signs in on the device (a wrong PIN first)');
  await page.waitForSelector('[data-testid=picker-sign-in]');
  check(await page.evaluate(() => JSON.parse(localStorage.getItem('pos.handheld.pairing')).token.length > 20), 'the token is kept');
  await shot(page, 'sign-in');
  await page.fill('input[name=code]', env.PICKER_CODE);
  await page.fill('input[name=pin]', '0000');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => /do not match/.test(document.querySelector('[data-testid=notice]')?.textContent));
  await page.fill('input[name=pin]', env.PICKER_PIN);
  await page.click('button[type=submit]');
  await page.waitForFunction((name) => document.querySelector('[data-testid=picker-who]')?.textContent.includes(name), env.PICKER);

  step('the queue: both orders, live SLA timers, who holds each');
  const card = (id) => page.locator(`.order-card[data-order="${id}"]`);
  await card(ORDER).waitFor();
  await card(OTHERS).waitFor();
  const sla = card(ORDER).locator('[data-testid=sla]');
  const first = await sla.textContent();
  check(/^\d+:\d{2} left$/.test(first) && (await sla.getAttribute('data-overdue')) === 'false', `SLA timer: ${first}`);
  await page.waitForFunction(
    ([id, was]) => document.querySelector(`.order-card[data-order="${id}"] [data-testid=sla]`).textContent !== was,
    [ORDER, first],
  );
  check((await card(ORDER).locator('[data-testid=holder]').textContent()) === 'Not claimed yet', 'the order is free');
  const other = await card(OTHERS).locator('[data-testid=holder]').textContent();
  check(other === `${env.OTHER_PICKER} is picking`, `the other order: ${other}`);
  check((await card(OTHERS).locator('button').count()) === 0, 'no claiming what another picker holds');
  await shot(page, 'queue');

  step('claim: the pick sheet in walk order, the lot to take first');
  await card(ORDER).locator('button', { hasText: 'Claim and pick' }).click();
  await page.waitForSelector('[data-testid=sheet]');
  const walk = await page.$$eval('.pick-line .where strong', (els) => els.map((e) => e.textContent));
  check(JSON.stringify(walk) === JSON.stringify(['Bin A-01', 'Bin A-02', 'Bin B-05']), `walk order: ${walk}`);
  const take = await line(page, 'Assam Tea').locator('[data-testid=take-batch]').textContent();
  check(/lot L1/.test(take) && /2027-01-31/.test(take), `take first: ${take}`);
  await progress(page, 'Assam Tea', '0 of 3');
  await shot(page, 'pick');
  await tones(page);

  step('a wrong item: red flash, an error tone, the message in words');
  await wedge(page, env.MILK);
  const wrong = await answered(page, 'error', /Wrong item/);
  check(/Milk/.test(wrong), `wrong item message: ${wrong}`);
  check((await page.getAttribute('[data-testid=flash]', 'data-tone')) === 'error', 'the error flash');
  check(
    await page.$eval('[data-testid=flash]', (e) =>
      getComputedStyle(e).position === 'fixed' && e.getBoundingClientRect().width === document.documentElement.clientWidth),
    'the flash covers the screen',
  );
  const wrongTones = await tones(page);
  check(wrongTones.includes(220), `the error tone: ${wrongTones}`);
  await shot(page, 'wrong-item');

  step('the later lot first: confirmed with "Take this one anyway"; the scan lands wherever focus is');
  // Focus in the manual code field: the burst is taken back out of it.
  await page.focus('input[name=manual-code]');
  await wedge(page, env.TEA_L2);
  await page.waitForSelector('[data-testid=later-batch-question]');
  await answered(page, 'attention', /L1/);
  check((await page.inputValue('input[name=manual-code]')) === '', 'the scanner burst is not left in the field');
  await shot(page, 'later-lot');
  await page.click('text=Take this one anyway');
  await answered(page, 'ok', /Assam Tea/);
  check((await page.getAttribute('[data-testid=flash]', 'data-tone')) === 'ok', 'the success flash');
  const okTones = await tones(page);
  check(okTones.includes(1320), `the success tone: ${okTones}`);
  await progress(page, 'Assam Tea', '1 of 3');

  step('the earlier lot, twice; one taken back and scanned again');
  await page.focus('.pick-head .back');
  await wedge(page, env.TEA_L1);
  await progress(page, 'Assam Tea', '2 of 3');
  await line(page, 'Assam Tea').locator('button', { hasText: 'Undo' }).last().click();
  await progress(page, 'Assam Tea', '1 of 3');
  await wedge(page, env.TEA_L1);
  await progress(page, 'Assam Tea', '2 of 3');
  await page.click('h1');
  await wedge(page, env.TEA_L1);
  await progress(page, 'Assam Tea', '3 of 3');
  check((await line(page, 'Assam Tea').getAttribute('data-status')) === 'done', 'the tea line is done');

  step('one dal of two, the line marked short, the offered substitute picked for it');
  await wedge(page, env.DAL);
  await progress(page, 'Toor Dal 1 kg', '1 of 2');
  await line(page, 'Toor Dal 1 kg').locator('button', { hasText: 'Mark short' }).click();
  await line(page, 'Toor Dal 1 kg').locator('.substitutes').waitFor();
  check(/Organic Toor Dal/.test(await line(page, 'Toor Dal 1 kg').locator('.substitutes').textContent()), 'the substitute is offered');
  await line(page, 'Toor Dal 1 kg').locator('button', { hasText: 'for this line' }).click();
  await page.waitForSelector('[data-testid=substitute-armed]');
  await shot(page, 'short');
  await wedge(page, env.ORGANIC_DAL);
  await answered(page, 'ok', /Organic/);
  await page.waitForSelector('[data-testid=substitute-armed]', { state: 'detached' });
  check(/1 substituted/.test(await line(page, 'Toor Dal 1 kg').locator('[data-testid=progress]').textContent()), 'the substitute counts on the line');

  step('rice is weighed: the weight is asked for and entered');
  await wedge(page, env.RICE);
  await page.waitForSelector('[data-testid=weight-question]');
  await answered(page, 'attention', /weight/);
  check(await page.evaluate(() => document.activeElement?.getAttribute('name') === 'weight'), 'focus moves to the weight');
  await shot(page, 'weight');
  await page.fill('input[name=weight]', '1.48');
  await page.click('text=Pick this weight');
  await progress(page, 'Sona Masoori Rice', '1.48 of 1.5 kg');

  step('pack: the total packed against the total ordered, short and substituted lines');
  await page.click('text=Review and pack');
  await page.waitForSelector('[data-testid=pack-review]');
  const ordered = await page.textContent('[data-testid=ordered-total]');
  const estimate = await page.textContent('[data-testid=packed-total]');
  check(/Toor Dal/.test(await page.textContent('[data-testid=short-lines]')), 'the short line named');
  check(/Toor Dal/.test(await page.textContent('[data-testid=substituted-lines]')), 'the substituted line named');
  await shot(page, 'pack');
  await page.getByRole('button', { name: 'Pack', exact: true }).click();
  await page.waitForSelector('[data-testid=packed]');
  const packed = await page.textContent('[data-testid=packed-total]');
  check(packed === estimate, `the agent's packed total ${packed} is the one shown before packing, ${estimate}`);
  await shot(page, 'packed');
  const paise = (text) => Number(text.replace(/[^\d]/g, ''));

  step('the queue again: the packed order gone, the other overdue in red');
  await page.click('text=Next order');
  await card(OTHERS).waitFor();
  check((await card(ORDER).count()) === 0, 'a packed order leaves the queue');
  await page.waitForFunction(
    (id) => document.querySelector(`.order-card[data-order="${id}"] [data-testid=sla]`)?.dataset.overdue === 'true',
    OTHERS,
    { timeout: 150_000 },
  );
  const late = card(OTHERS).locator('[data-testid=sla]');
  check(/^Overdue by \d+:\d{2}$/.test(await late.textContent()), `overdue: ${await late.textContent()}`);
  const red = await late.evaluate((e) => getComputedStyle(e).backgroundColor);
  check(red === 'rgb(161, 19, 28)', `an overdue timer is red, not ${red}`);
  await shot(page, 'overdue');

  step('revoked at the till: the next request shows pairing, saying so');
  await control('answers');
  await control('revoke');
  await page.waitForSelector('[data-testid=unpaired-why]', { timeout: 15_000 });
  const why = await page.textContent('[data-testid=unpaired-why]');
  check(/revoked/.test(why), `why pairing again: ${why}`);
  check(await page.evaluate(() => localStorage.getItem('pos.handheld.pairing') === null), 'the revoked token is forgotten');
  await shot(page, 'revoked');

  console.log(`result ${JSON.stringify({ packed_total: paise(packed), ordered_total: paise(ordered), answers })}`);
} catch (e) {
  for (const [i, p] of browser.contexts().flatMap((c) => c.pages()).entries()) {
    await p.screenshot({ path: path.join(SHOTS, `picker-failure-${i}.png`) }).catch(() => undefined);
  }
  throw e;
} finally {
  await browser.close();
}
// The control channel on stdin would keep node running.
process.exit(0);
