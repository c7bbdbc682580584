// Pairing: the device claims a code a supervisor issued at the till and
// keeps the token it gets (see `handheld.ts`). Shown whenever the device has
// no token, and after the till refused it, with why.

import { useState } from 'preact/hooks';
import type { AgentError } from '../api';
import { Notice } from '../components/Dialog';
import type { Paired } from '../generated';
import { t } from '../messages';
import { handheld } from './handheld';

export function Pairing(props: { why: string | null; onPaired: (p: Paired) => void }) {
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      props.onPaired(await handheld.pair(code.trim(), name.trim()));
    } catch (err) {
      setError((err as AgentError).forCashier);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="picker-main">
      <form onSubmit={submit} class="card" aria-labelledby="pair-title" data-testid="pairing">
        <h1 id="pair-title">{t('picker.pairTitle')}</h1>
        {props.why && (
          <p class="notice error" role="alert" data-testid="unpaired-why">
            {props.why}
          </p>
        )}
        <p class="muted">{t('picker.pairHelp')}</p>
        <label>
          {t('picker.pairCode')}
          <input
            name="pairing-code"
            value={code}
            autocomplete="off"
            autoCapitalize="characters"
            spellcheck={false}
            autoFocus
            onInput={(e) => setCode(e.currentTarget.value)}
          />
        </label>
        <label>
          {t('picker.deviceName')}
          <input name="device-name" value={name} autocomplete="off" onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary big" disabled={busy || !code.trim() || !name.trim()}>
          {busy ? t('common.working') : t('picker.pair')}
        </button>
        <Notice notice={error ? { kind: 'error', text: error } : null} />
      </form>
    </main>
  );
}
