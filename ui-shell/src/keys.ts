// Function-key shortcuts for the screen on show. Esc always means "back out".

import { useEffect, useRef } from 'preact/hooks';

export type KeyMap = Partial<Record<string, () => void>>;

/** Binds `map` (by `KeyboardEvent.key`, e.g. `F12`, `Escape`) while mounted. */
export function useKeys(map: KeyMap): void {
  const ref = useRef(map);
  ref.current = map;
  useEffect(() => {
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
