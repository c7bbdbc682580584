// Starting Debian's Chromium for the browser tests, headless, and listening
// to what a page plays: every tone an answer makes, by frequency.

import { chromium } from 'playwright-core';

export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
}

/** Every page of `context` keeps the frequencies of its tones in `window.__tones`. */
export function recordTones(context) {
  return context.addInitScript(() => {
    window.__tones = [];
    const start = OscillatorNode.prototype.start;
    OscillatorNode.prototype.start = function (...args) {
      window.__tones.push(this.frequency.value);
      return start.apply(this, args);
    };
  });
}
