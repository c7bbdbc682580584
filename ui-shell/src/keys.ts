// Function-key shortcuts for the screen on show. Esc always means "back out".

import { useLayoutEffect, useRef } from 'preact/hooks';

export type KeyMap = Partial<Record<string, () => void>>;

/**
 * Function keys belong to the till: the browser's own (F5 reload, F3 find, …)
 * would cost the cashier their screen. Called once at start-up.
 */
export function claimFunctionKeys(): void {
  window.addEventListener('keydown', (e) => {
    if (/^F\d{1,2}$/.test(e.key)) e.preventDefault();
  });
}

/**
 * Binds `map` (by `KeyboardEvent.key`, e.g. `F12`, `Escape`) while mounted.
 * Bound before the screen is painted, so a key pressed the moment it shows
 * (F12 twice: pay, then complete) is never lost.
 */
export function useKeys(map: KeyMap): void {
  const ref = useRef(map);
  ref.current = map;
  useLayoutEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = ref.current[e.key];
      if (action && !e.ctrlKey && !e.altKey && !e.metaKey) {
        e.preventDefault();
        action();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
