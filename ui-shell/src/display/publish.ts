// What the cashier's screens tell the customer's display: `showOnDisplay`
// sends the latest state to the agent (`PUT /v1/display`), which streams it
// to every display page. Rapid calls coalesce into one request with the
// newest state; at most one request is in flight; a failure is dropped (the
// next change sends the whole state again). It never throws and never makes
// the cashier wait: the display is a courtesy, the sale is not.

import type { DisplayState } from '../generated';

/** The agent refuses more (`MAX_DISPLAY_LINES`): a long bill shows its last lines. */
const MAX_LINES = 500;
/** Calls within this window become one request. */
const COALESCE_MS = 40;
/** A request the agent has not answered by then is abandoned. */
const TIMEOUT_MS = 4000;

let pending: DisplayState | null = null;
let last: DisplayState = { lines: [] };
let timer: ReturnType<typeof setTimeout> | null = null;
let inFlight = false;

/** Shows `state` on the customer's display, soon. */
export function showOnDisplay(state: DisplayState): void {
  try {
    const lines = state.lines ?? [];
    pending = lines.length > MAX_LINES ? { ...state, lines: lines.slice(-MAX_LINES) } : { ...state, lines };
    last = pending;
    schedule();
  } catch {
    // A state that cannot be read is not shown; the cashier carries on.
  }
}

/** The state most recently given to `showOnDisplay` (what the customer sees, or soon will). */
export function lastShown(): DisplayState {
  return last;
}

function schedule(): void {
  if (timer !== null || inFlight) return;
  timer = setTimeout(() => void flush(), COALESCE_MS);
}

async function flush(): Promise<void> {
  timer = null;
  const state = pending;
  pending = null;
  if (!state) return;
  inFlight = true;
  const abort = new AbortController();
  const giveUp = setTimeout(() => abort.abort(), TIMEOUT_MS);
  try {
    await fetch('/v1/display', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(state),
      signal: abort.signal,
    });
  } catch {
    // The agent is down or slow: the display keeps its last state.
  } finally {
    clearTimeout(giveUp);
    inFlight = false;
    if (pending) schedule();
  }
}
