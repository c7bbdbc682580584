// Where the cursor goes when a screen arrives: the element marked
// `data-autofocus`, else the first field, else the first button. Every
// screen uses it, so a cashier on the keyboard never has to reach for the
// mouse to start.

import { useLayoutEffect, useRef } from 'preact/hooks';

export function focusStart(root: ParentNode | null): void {
  if (!root) return;
  const target =
    root.querySelector<HTMLElement>('[data-autofocus]:not(:disabled)') ??
    root.querySelector<HTMLElement>('input:not(:disabled):not([type=hidden]), select:not(:disabled), textarea:not(:disabled)') ??
    root.querySelector<HTMLElement>('button:not(:disabled)');
  target?.focus();
}

/**
 * A ref for the screen's root; focuses its start on arrival, and again when
 * `stage` changes (a screen whose form changes: shift opened, then closed).
 */
export function useArrivalFocus<T extends HTMLElement>(stage: unknown = null) {
  const ref = useRef<T>(null);
  useLayoutEffect(() => focusStart(ref.current), [stage]);
  return ref;
}
