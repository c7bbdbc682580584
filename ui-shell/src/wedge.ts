// Keyboard-wedge scanners type a barcode as keystrokes ending in a suffix
// (Enter, unless programmed otherwise), far faster than a person. This owns
// every printable keystroke on the page before any field or shortcut sees
// it, so a scan never lands in a field, whatever has focus:
//
// - with a programmed prefix (a key such as F13 or a control character the
//   scanner sends first), everything from the prefix to the suffix is a scan;
// - without one, printable keys are held back for a moment: a run of them at
//   scanner speed ending in the suffix is a scan, anything else is handed on
//   to where it was typed, in order, as if it had never been held. When a
//   page stalls mid-scan for longer than the hold, the keys handed on are
//   taken back out of the field as soon as the rest of the scan shows they
//   were part of it.
//
// Speed is judged by each key's own time stamp (when the keyboard sent it),
// not by when a busy page got round to handling it, so a page that is busy
// rendering still recognises a burst.

import { insertText, isTextField, type TextField } from './typing';

export interface WedgeOptions {
  /** Longest gap between a scanner's keystrokes, in ms. */
  maxGapMs?: number;
  /** Fewest characters a scan has (EAN-8 is the shortest retail code). */
  minLength?: number;
  /** The `KeyboardEvent.key` the scanner sends before each code, if programmed. */
  prefix?: string | null;
  /** The key that ends a scan: `Enter` (the default) or `Tab`. */
  suffix?: string;
  /** A scan started with the prefix that never ended: in words for the user. */
  onBroken?: (text: string) => void;
}

/** A key as the listener reads it: a keyboard event, or one kept before it started. */
interface Key {
  key: string;
  timeStamp: number;
  repeat: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  isComposing: boolean;
  target?: EventTarget | null;
}

/** What `public/assets/early-keys.js` kept before the page's code ran. */
interface EarlyKeys {
  from: number;
  keys: Key[] | null;
}

interface Held {
  chars: string;
  /** Time stamp of the first key. */
  first: number;
  /** Time stamp of the last key, from the event (see above). */
  last: number;
  /** Where the first key was aimed. */
  target: EventTarget | null;
  /** When the page handled the last key (its own clock, not the key's). */
  handled: number;
}

/** Keys handed on, kept until the next key shows whether they began a scan. */
interface HandedOn {
  chars: string;
  first: number;
  last: number;
  target: EventTarget | null;
  /** The field they landed in, with its text before and after; null if none. */
  field: TextField | null;
  before: string;
  after: string;
}

/** Keys replayed by this module, which it must not hold again. */
const replaying = new WeakSet<Event>();

/**
 * Types `text` where it was aimed, or replays it as keys where no field was;
 * answers the field it landed in and that field's text before it, if any.
 */
function handOn(target: EventTarget | null, text: string): { field: TextField; before: string } | null {
  if (isTextField(target) && target.isConnected) {
    const before = target.value;
    // The field's own key handling first (+ and − on an empty search box act
    // on the bill), then the character, unless that handling took the key.
    for (const key of text) {
      const e = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true });
      replaying.add(e);
      target.dispatchEvent(e);
      if (!e.defaultPrevented) insertText(target, key);
    }
    return target.value === before ? null : { field: target, before };
  }
  // Not typed into a field: the keys were shortcuts (+, −, digits for "3 ×"),
  // or typing the screen sends to a field of its choosing.
  const to = target instanceof Element && target.isConnected ? target : document.body;
  for (const key of text) {
    const e = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true });
    replaying.add(e);
    to.dispatchEvent(e);
  }
  const now = document.activeElement;
  return isTextField(now) && now.value.endsWith(text) ? { field: now, before: now.value.slice(0, -text.length) } : null;
}

/** The options with their defaults filled in. */
function read(options: WedgeOptions) {
  const maxGap = options.maxGapMs ?? 40;
  return {
    maxGap,
    // How long held keys wait for the next before they are a person's: longer
    // than the gap, so a page that handles keys late does not split a scan.
    patience: Math.max(100, maxGap * 2.5),
    minLength: options.minLength ?? 6,
    prefix: options.prefix || null,
    suffix: options.suffix ?? 'Enter',
    onBroken: options.onBroken,
  };
}

/** Chromium tells whether more input is queued; elsewhere, assume not. */
function inputPending(): boolean {
  const s = (navigator as { scheduling?: { isInputPending?: () => boolean } }).scheduling;
  return s?.isInputPending?.() ?? false;
}

/**
 * Listens until the returned function is called. `options` may be a function,
 * read at every key: a scanner's prefix and suffix learnt after the page
 * opened then apply without a new listener, whose start would drop the keys
 * of a scan under way.
 */
export function listenForWedgeScans(onScan: (text: string) => void, options: WedgeOptions | (() => WedgeOptions) = {}): () => void {
  const current = typeof options === 'function' ? options : () => options;
  let { maxGap, patience, minLength, prefix, suffix, onBroken } = read(current());
  let held: Held | null = null;
  let handed: HandedOn | null = null;
  /** Inside a prefixed scan: its characters so far. */
  let prefixed: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const release = () => {
    clearTimeout(timer);
    if (!held) return;
    const { target, chars, first, last } = held;
    held = null;
    const landed = handOn(target, chars);
    handed = { chars, first, last, target, field: landed?.field ?? null, before: landed?.before ?? '', after: landed?.field.value ?? '' };
  };

  /**
   * The keys handed on just before a key at `at`, if they were the start of
   * the same scan: taken back out of their field and answered.
   */
  const takeBack = (at: number): string | null => {
    const h = handed;
    handed = null;
    if (!h || at - h.last > maxGap) return null;
    if (h.field) {
      // Typed into since: the text is the cashier's now; leave it.
      if (h.field.value !== h.after) return null;
      h.field.value = h.before;
      h.field.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'deleteContent', data: null }));
    }
    return h.chars;
  };

  // Runs when no key has come for a while. A busy page may still have keys
  // on their way: wait for them rather than split a scan.
  const expire = () => {
    if (!held) return;
    const quiet = performance.now() - held.handled;
    if (inputPending() || quiet < patience) {
      timer = setTimeout(expire, patience - Math.min(quiet, patience - 10));
      return;
    }
    release();
  };

  const brokenPrefixed = () => {
    if (prefixed !== null && prefixed.length) onBroken?.(prefixed);
    prefixed = null;
  };

  const swallow = (e: Key) => {
    if (!(e instanceof Event)) return;
    e.preventDefault();
    e.stopImmediatePropagation();
  };

  // Keys that came before anything listened may have been the start of a
  // scan: one whose first key came this soon after listening began is
  // refused as cut, never taken as a shorter code.
  const early = (window as { __earlyKeys?: EarlyKeys }).__earlyKeys;
  const listeningFrom = early?.from ?? performance.now();

  const onKeyDown = (e: Key) => {
    if ((e instanceof Event && replaying.has(e)) || e.isComposing) return;
    ({ maxGap, patience, minLength, prefix, suffix, onBroken } = read(current()));
    const at = e.timeStamp;
    const printable = e.key.length === 1 && !e.ctrlKey && !e.altKey && !e.metaKey;

    if (prefix && e.key === prefix) {
      swallow(e);
      release();
      brokenPrefixed();
      prefixed = '';
      clearTimeout(timer);
      timer = setTimeout(brokenPrefixed, 1000);
      return;
    }
    if (prefixed !== null) {
      swallow(e);
      if (e.key === suffix) {
        clearTimeout(timer);
        const text = prefixed;
        prefixed = null;
        if (text) onScan(text);
      } else if (printable) {
        prefixed += e.key;
      }
      return;
    }

    // A page that stalled mid-scan handed the scan's start on: take it back.
    if (!held && handed && (printable || e.key === suffix) && !e.repeat) {
      const h = handed;
      const earlier = takeBack(at);
      if (earlier !== null) held = { chars: earlier, first: h.first, last: h.last, target: h.target, handled: performance.now() };
    }
    if (e.key === suffix) {
      if (held && held.chars.length >= minLength && at - held.last <= maxGap) {
        swallow(e);
        clearTimeout(timer);
        const { chars: text, first } = held;
        held = null;
        if (first - listeningFrom < maxGap) onBroken?.(text);
        else onScan(text);
        return;
      }
      // A person's Enter: what they typed goes first, then the Enter itself.
      release();
      return;
    }
    // Not a character, or a key held down to repeat: a person's, at once.
    if (!printable || e.repeat) {
      release();
      return;
    }
    swallow(e);
    if (held && at - held.last <= maxGap) {
      held.chars += e.key;
      held.last = at;
      held.handled = performance.now();
    } else {
      release();
      held = { chars: e.key, first: at, last: at, target: e.target ?? null, handled: performance.now() };
    }
    clearTimeout(timer);
    timer = setTimeout(expire, patience);
  };

  // Capturing on the window runs before any handler of any element.
  window.addEventListener('keydown', onKeyDown, true);
  // Keys typed before this listener was there, in order (the first
  // listener of the page takes them).
  const kept = early?.keys ?? [];
  if (early) early.keys = null;
  kept.forEach(onKeyDown);
  return () => {
    window.removeEventListener('keydown', onKeyDown, true);
    release();
  };
}
