// Keyboard-wedge scanners type a barcode as a burst of keystrokes ending in
// Enter, far faster than a person. This listens on the whole document (so a
// burst lands whatever has focus), recognises such bursts, takes their
// characters back out of any field they fell into, and reports the scan.

export interface WedgeOptions {
  /** Longest gap between a scanner's keystrokes, in ms. */
  maxGapMs?: number;
  /** Fewest characters a scan has (EAN-8 is the shortest retail code). */
  minLength?: number;
}

interface Burst {
  chars: string;
  last: number;
  /** The field the burst started in and its text before the burst. */
  field: HTMLInputElement | HTMLTextAreaElement | null;
  before: string;
}

export function listenForWedgeScans(
  onScan: (text: string) => void,
  options: WedgeOptions = {},
): () => void {
  const maxGap = options.maxGapMs ?? 50;
  const minLength = options.minLength ?? 6;
  let burst: Burst | null = null;

  const onKeyDown = (e: KeyboardEvent) => {
    const now = performance.now();
    if (burst && now - burst.last > maxGap) burst = null;
    if (e.key === 'Enter') {
      if (burst && burst.chars.length >= minLength) {
        e.preventDefault();
        e.stopImmediatePropagation();
        const { field, before, chars } = burst;
        burst = null;
        if (field && field.value !== before) {
          field.value = before;
          field.dispatchEvent(new Event('input', { bubbles: true }));
        }
        onScan(chars);
      }
      burst = null;
      return;
    }
    if (e.key.length !== 1 || e.ctrlKey || e.altKey || e.metaKey) {
      burst = null;
      return;
    }
    if (!burst) {
      const target = e.target;
      const field =
        target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement ? target : null;
      burst = { chars: '', last: now, field, before: field?.value ?? '' };
    }
    burst.chars += e.key;
    burst.last = now;
  };

  document.addEventListener('keydown', onKeyDown, true);
  return () => document.removeEventListener('keydown', onKeyDown, true);
}
