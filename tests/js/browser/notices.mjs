// What a screen says to whoever works it: its notices (and alerts), read and
// waited for by the browser scripts.

/** Every notice on the page, joined, for a failure's message. */
export const noticeText = (page) =>
  page.evaluate(() => [...document.querySelectorAll('[data-testid=notice]')].map((n) => n.textContent).join(' | '));

/** Waits until a notice or alert matches `pattern` (its flags are not kept). */
export async function waitNotice(page, pattern) {
  try {
    await page.waitForFunction(
      (p) => [...document.querySelectorAll('[data-testid=notice], [role=alert]')].some((n) => new RegExp(p).test(n.textContent)),
      pattern.source,
      { timeout: 10_000 },
    );
  } catch {
    throw new Error(`no message matching ${pattern}; shown: ${await noticeText(page)}`);
  }
}
