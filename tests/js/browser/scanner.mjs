// A keyboard-wedge scanner for the browser tests. A real scanner types its
// code at a fixed rate whatever the page is doing, and the keyboard stamps
// each key with the moment it was sent. Playwright's `keyboard.type` waits
// for the page to handle each key before sending the next, so a busy page
// would slow the "scanner" down; this sends the whole burst at once over the
// DevTools protocol with the time stamps a scanner would give, and lets the
// page handle it when it can.

const sessions = new WeakMap();

async function session(page) {
  if (!sessions.has(page)) sessions.set(page, await page.context().newCDPSession(page));
  return sessions.get(page);
}

function keyEvents(key, at) {
  if (key === 'Enter') {
    const common = { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, nativeVirtualKeyCode: 13 };
    return [
      { type: 'keyDown', ...common, text: '\r', unmodifiedText: '\r', timestamp: at },
      { type: 'keyUp', ...common, timestamp: at },
    ];
  }
  if (key === 'Tab') {
    const common = { key: 'Tab', code: 'Tab', windowsVirtualKeyCode: 9, nativeVirtualKeyCode: 9 };
    return [{ type: 'rawKeyDown', ...common, timestamp: at }, { type: 'keyUp', ...common, timestamp: at }];
  }
  if (key.length > 1) {
    // A named key (a prefix such as F13).
    return [{ type: 'rawKeyDown', key, code: key, timestamp: at }, { type: 'keyUp', key, code: key, timestamp: at }];
  }
  const digit = /^\d$/.test(key);
  const upper = key.toUpperCase();
  const common = {
    key,
    code: digit ? `Digit${key}` : /^[a-z]$/i.test(key) ? `Key${upper}` : '',
    windowsVirtualKeyCode: upper.charCodeAt(0),
  };
  return [
    { type: 'keyDown', ...common, text: key, unmodifiedText: key, timestamp: at },
    { type: 'keyUp', ...common, timestamp: at },
  ];
}

/**
 * Scans each of `codes` in turn: a code's characters `gapMs` apart, then the
 * suffix, `betweenMs` before the next code, all sent at once without waiting
 * for the page. Resolves once the browser has taken every key.
 */
export async function burst(page, codes, { gapMs = 4, betweenMs = 30, suffix = 'Enter', prefix = null } = {}) {
  const cdp = await session(page);
  // Stamped from now on, as the scanner would type them from now.
  let at = Date.now() / 1000;
  const events = [];
  for (const code of codes) {
    for (const key of [...(prefix ? [prefix] : []), ...code, suffix]) {
      events.push(...keyEvents(key, at));
      at += gapMs / 1000;
    }
    at += betweenMs / 1000;
  }
  // Sent in order on one session; the page handles them when it can.
  await Promise.all(events.map((e) => cdp.send('Input.dispatchKeyEvent', e)));
}

/** One scan. */
export const scan = (page, code, options = {}) => burst(page, [code], options);

/**
 * One scan sent in two parts, `between` awaited after the first `split`
 * characters (something the page does mid-scan), the time stamps running on
 * as one scanner's burst. `between` must take less than the 100 ms a held
 * key waits for the next.
 */
export async function splitScan(page, code, split, between, { gapMs = 4, suffix = 'Enter' } = {}) {
  const cdp = await session(page);
  let at = Date.now() / 1000;
  const stamped = [...code, suffix].map((key) => {
    const events = keyEvents(key, at);
    at += gapMs / 1000;
    return events;
  });
  await Promise.all(stamped.slice(0, split).flat().map((e) => cdp.send('Input.dispatchKeyEvent', e)));
  await between();
  await Promise.all(stamped.slice(split).flat().map((e) => cdp.send('Input.dispatchKeyEvent', e)));
}
