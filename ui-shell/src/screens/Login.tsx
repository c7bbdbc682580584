// PIN sign-in, checked by the agent against its offline staff replica.

import { useRef, useState } from 'preact/hooks';
import { AgentError, api } from '../api';
import type { SignedIn } from '../generated';
import { t } from '../messages';
import { Notice } from '../components/Dialog';
import { NumPad } from '../components/NumPad';
import { useArrivalFocus } from '../focus';

/** The wrong-PIN message with the tries left, in plain words at one and none. */
function triesLeft(n: number): string {
  if (n <= 0) return t('error.wrongPinLocked');
  if (n === 1) return t('error.wrongPinLastTry');
  return t('error.wrongPinTries', { n });
}

export function Login(props: {
  onSignedIn: (s: SignedIn) => void;
  /** A sign-in was sent (true) or refused (false): scans meanwhile wait for its answer. */
  onSigningIn?: (busy: boolean) => void;
}) {
  const [code, setCode] = useState('');
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const rootRef = useArrivalFocus<HTMLElement>();
  const pinRef = useRef<HTMLInputElement>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    props.onSigningIn?.(true);
    try {
      props.onSignedIn(await api.signIn(code.trim(), pin));
    } catch (err) {
      props.onSigningIn?.(false);
      const a = err as AgentError;
      const tries = a.problem.tries_left;
      setError(a.status !== 401 ? a.forCashier : typeof tries === 'number' ? triesLeft(tries) : t('error.wrongPin'));
      setPin('');
      pinRef.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login" ref={rootRef}>
      <form onSubmit={submit} class="card" aria-labelledby="login-title">
        <h1 id="login-title">{t('login.title')}</h1>
        <label>
          {t('login.code')}
          <input
            name="code"
            value={code}
            autocomplete="off"
            data-autofocus
            onInput={(e) => {
              setCode(e.currentTarget.value);
              setError(null);
            }}
            onKeyDown={(e) => {
              // Enter after the code goes on to the PIN, as Tab does.
              if (e.key === 'Enter' && !pin) {
                e.preventDefault();
                pinRef.current?.focus();
              }
            }}
          />
        </label>
        <label>
          {t('login.pin')}
          <input name="pin" ref={pinRef} type="password" inputMode="numeric" value={pin} autocomplete="off" onInput={(e) => {
              setPin(e.currentTarget.value);
              setError(null);
            }} />
        </label>
        <button type="submit" class="primary" disabled={busy || !code || !pin}>
          {busy ? t('common.working') : t('login.submit')}
        </button>
        <Notice notice={error ? { kind: 'error', text: error } : null} />
        <NumPad fallback={() => pinRef.current} decimal={false} />
      </form>
    </main>
  );
}
