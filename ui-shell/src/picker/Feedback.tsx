// A scan's answer, impossible to miss: the whole screen flashes green or red
// (an overlay that fades, never blocking a tap) and the message stays in
// large text at the top until the next scan.

import type { Tone } from '../beep';

export interface FeedbackState {
  tone: Tone;
  text: string;
  /** Counts scans, so the same answer twice flashes twice. */
  seq: number;
}

export function Feedback(props: { feedback: FeedbackState | null }) {
  const f = props.feedback;
  return (
    <>
      {f && <div key={f.seq} class={`flash ${f.tone}`} data-testid="flash" data-tone={f.tone} aria-hidden="true" />}
      <p
        class={`scan-message ${f?.tone ?? 'idle'}`}
        role={f?.tone === 'error' ? 'alert' : 'status'}
        data-testid="scan-message"
        data-tone={f?.tone ?? 'idle'}
      >
        {f?.text ?? ''}
      </p>
    </>
  );
}
