// A modal dialog: labelled, traps nothing the scanner needs (scans are caught
// at the document), closes on Esc.

import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { focusStart } from '../focus';

export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    // Back where the cursor was when the dialog closes.
    const before = document.activeElement as HTMLElement | null;
    focusStart(ref.current);
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopImmediatePropagation();
        props.onClose();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      if (before?.isConnected) before.focus();
    };
  }, []);
  return (
    <div class="backdrop">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title" ref={ref}>
        <h2 id="dialog-title">{props.title}</h2>
        {props.children}
      </div>
    </div>
  );
}

/** What a screen is telling whoever works it, if anything. */
export type NoticeState = { kind: 'error' | 'info'; text: string } | null;

/** A message line: errors are alerts, the rest polite status. */
export function Notice(props: { notice: NoticeState }) {
  const n = props.notice;
  return (
    <p class={`notice ${n?.kind ?? ''}`} role={n?.kind === 'error' ? 'alert' : 'status'} data-testid="notice">
      {n?.text ?? ''}
    </p>
  );
}
