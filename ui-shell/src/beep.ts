// The scanner's voice: a short tone on every scan's answer, so a cashier or picker
// with eyes on the shelf knows without looking. WebAudio, no sound files.
// Browsers start audio only after a user gesture; the context is created on
// the first tap or key and resumed then, and a scan before that is silent
// rather than an error.

export type Tone = 'ok' | 'error' | 'attention';

/** Frequency (Hz) and length (ms) of each note of a tone. */
const NOTES: Record<Tone, [number, number][]> = {
  ok: [[1320, 110]],
  error: [[220, 160], [180, 220]],
  attention: [[660, 120], [880, 120]],
};

let context: AudioContext | null = null;

function audio(): AudioContext | null {
  if (!context && typeof AudioContext !== 'undefined') context = new AudioContext();
  return context;
}

/** Lets sound play after the first gesture (autoplay rules). Called once. */
export function unlockAudioOnGesture(): void {
  const unlock = () => {
    void audio()?.resume();
    window.removeEventListener('pointerdown', unlock, true);
    window.removeEventListener('keydown', unlock, true);
  };
  window.addEventListener('pointerdown', unlock, true);
  window.addEventListener('keydown', unlock, true);
}

export function beep(tone: Tone): void {
  const ctx = audio();
  if (!ctx) return;
  let at = ctx.currentTime;
  for (const [frequency, ms] of NOTES[tone]) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = tone === 'error' ? 'square' : 'sine';
    osc.frequency.value = frequency;
    // A quick fade in and out: no click at either end.
    gain.gain.setValueAtTime(0, at);
    gain.gain.linearRampToValueAtTime(0.3, at + 0.01);
    gain.gain.linearRampToValueAtTime(0, at + ms / 1000);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + ms / 1000);
    at += ms / 1000 + 0.04;
  }
}
