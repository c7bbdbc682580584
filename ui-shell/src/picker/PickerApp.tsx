// The picker's handheld app, served on the till's LAN listener at /picker:
// pairing when the device has no token, the picker's sign-in, the order
// queue, picking one order, packing it. A refusal that the device is not
// (or no longer) paired, from any call, returns to pairing and says why; a
// picker signed out at the till returns to sign-in.

import { useEffect, useState } from 'preact/hooks';
import type { AgentError } from '../api';
import type { Handheld, PickSheet } from '../generated';
import { t } from '../messages';
import { unlockAudioOnGesture } from '../beep';
import { handheld, loadPairing, whenUnpaired, type Unpaired } from './handheld';
import { PackScreen } from './PackScreen';
import { Pairing } from './Pairing';
import { PickScreen } from './PickScreen';
import { Queue } from './Queue';
import { SignIn } from './SignIn';
import './picker.css';

type Screen =
  | { name: 'loading' }
  | { name: 'pairing'; why: string | null }
  | { name: 'signIn' }
  | { name: 'queue' }
  | { name: 'pick'; orderId: string }
  | { name: 'pack'; sheet: PickSheet };

const why = (u: Unpaired) => t(u === 'device_revoked' ? 'picker.revoked' : 'picker.notPaired');

export function PickerApp() {
  const [screen, setScreen] = useState<Screen>(() => (loadPairing() ? { name: 'loading' } : { name: 'pairing', why: null }));
  const [me, setMe] = useState<Handheld | null>(null);

  const refreshMe = () =>
    handheld.me().then(
      (m) => {
        setMe(m);
        setScreen(m.picker ? { name: 'queue' } : { name: 'signIn' });
      },
      (e: AgentError) => {
        // Unpaired: `whenUnpaired` has already moved to pairing.
        if (e.type !== 'device_revoked' && e.type !== 'device_not_paired') setScreen({ name: 'signIn' });
      },
    );

  useEffect(() => {
    document.title = t('picker.title');
    unlockAudioOnGesture();
    whenUnpaired((u) => {
      setMe(null);
      setScreen({ name: 'pairing', why: why(u) });
    });
    if (loadPairing()) void refreshMe();
  }, []);

  /** What every screen does with a refusal it cannot handle itself. */
  const onError = (e: AgentError) => {
    if (e.type === 'picker_signed_out') void refreshMe();
  };

  const signOut = async () => {
    await handheld.signOut().catch(() => undefined);
    void refreshMe();
  };

  let body;
  switch (screen.name) {
    case 'loading':
      body = <main class="picker-main"><p>{t('common.working')}</p></main>;
      break;
    case 'pairing':
      body = <Pairing why={screen.why} onPaired={() => void refreshMe()} />;
      break;
    case 'signIn':
      body = <SignIn deviceName={me?.device_name ?? loadPairing()?.device_name ?? ''} onSignedIn={() => void refreshMe()} />;
      break;
    case 'queue':
      body = me && <Queue me={me} onOpen={(orderId) => setScreen({ name: 'pick', orderId })} onError={onError} />;
      break;
    case 'pick':
      body = (
        <PickScreen
          orderId={screen.orderId}
          onBack={() => setScreen({ name: 'queue' })}
          onReview={(sheet) => setScreen({ name: 'pack', sheet })}
          onError={onError}
        />
      );
      break;
    case 'pack':
      body = (
        <PackScreen
          sheet={screen.sheet}
          onBack={() => setScreen({ name: 'pick', orderId: screen.sheet.order_id })}
          onDone={() => setScreen({ name: 'queue' })}
          onError={onError}
        />
      );
      break;
  }

  return (
    <div class="picker">
      <header class="picker-bar">
        <span class="picker-title">{t('picker.title')}</span>
        {me?.picker && (
          <>
            <span class="picker-who" data-testid="picker-who">
              {t('picker.signedInAs', { name: me.picker.name, device: me.device_name })}
            </span>
            <button type="button" class="link-button" onClick={signOut}>
              {t('picker.signOut')}
            </button>
          </>
        )}
      </header>
      {body}
    </div>
  );
}
