// A cashier's way onto the bill, shared by the browser scripts: sign in at
// a till and open a shift with a float; and waiting for a screen's words.

/** Signs in with `code` and `pin` and opens a shift with `float` rupees;
 * leaves the cursor in the bill's search box. */
export async function signInAndOpenShift(page, till, { code = '101', pin = '4821', float = '1000' } = {}) {
  await page.goto(till);
  await page.fill('input[name=code]', code);
  await page.fill('input[name=pin]', pin);
  await page.click('button[type=submit]');
  await page.getByRole('button', { name: 'Shift', exact: true }).click();
  await page.fill('input[name=opening-float]', float);
  await page.getByRole('button', { name: 'Open shift' }).click();
  await page.waitForSelector('[data-testid=x-report]');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#search');
}

/** Waits until `selector`'s text matches `pattern` (10 s), else says what it read. */
export async function waitText(page, selector, pattern) {
  try {
    await page.waitForFunction(
      ([s, p]) => new RegExp(p).test(document.querySelector(s)?.textContent ?? ''),
      [selector, pattern.source],
      { timeout: 10_000 },
    );
  } catch {
    throw new Error(`${selector} never read ${pattern}: ${await page.textContent(selector).catch(() => '(none)')}`);
  }
}
