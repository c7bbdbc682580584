// The picker signs in on the device with their staff code and PIN; the till
// checks them (and its lockout) as at the till itself.

import { useState } from 'preact/hooks';
import type { AgentError } from '../api';
import { Notice } from '../components/Dialog';
import type { SignedIn } from '../generated';
import { t } from '../messages';
import { handheld } from './handheld';

export function SignIn(props: { deviceName: string; onSignedIn: (s: SignedIn) => void }) {
  const [code, setCode] = useState('');
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      props.onSignedIn(await handheld.signIn(code.trim(), pin));
    } catch (err) {
      const a = err as AgentError;
      // A refused device is handled by the app (back to pairing).
      if (a.type === 'device_revoked' || a.type === 'device_not_paired') return;
      setError(a.status === 401 ? t('error.wrongPin') : a.forCashier);
      setPin('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="picker-main">
      <form onSubmit={submit} class="card" aria-labelledby="signin-title" data-testid="picker-sign-in">
        <h1 id="signin-title">{t('picker.signInTitle')}</h1>
        <p class="muted">{t('picker.device', { name: props.deviceName })}</p>
        <label>
          {t('login.code')}
          <input name="code" value={code} inputMode="numeric" autocomplete="off" autoFocus onInput={(e) => setCode(e.currentTarget.value)} />
        </label>
        <label>
          {t('login.pin')}
          <input name="pin" type="password" inputMode="numeric" value={pin} autocomplete="off" onInput={(e) => setPin(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary big" disabled={busy || !code || !pin}>
          {busy ? t('common.working') : t('login.submit')}
        </button>
        <Notice notice={error ? { kind: 'error', text: error } : null} />
      </form>
    </main>
  );
}
