// The UPI QR for the tender screen: asks the agent for the intent (the NPCI
// link and its QR, for this amount and bill), shows the QR large with the
// amount and the payee, and puts it on the customer's display too. When the
// till has no UPI ID set up, it says so in words instead.

import { useEffect, useState } from 'preact/hooks';
import { AgentError, call } from '../api';
import type { Money, UpiIntent, UpiIntentRequest } from '../generated';
import { formatMoney } from '../money';
import { lastShown, showOnDisplay } from './publish';
import { qrSource } from './qr';
import { w } from './words';
import './upi-qr.css';

type Props = {
  amount: Money;
  /** A short bill reference (letters, digits, `-`; say the sale id's last 12 characters). */
  bill: string;
};

type Ask = { state: 'asking' } | { state: 'ready'; intent: UpiIntent } | { state: 'refused'; words: string };

export function UpiQr({ amount, bill }: Props) {
  const [ask, setAsk] = useState<Ask>({ state: 'asking' });

  useEffect(() => {
    let current = true;
    setAsk({ state: 'asking' });
    call<UpiIntent>('POST', '/v1/payments/upi-intent', { amount, bill } satisfies UpiIntentRequest).then(
      (intent) => {
        if (!current) return;
        setAsk({ state: 'ready', intent });
        // The customer scans it from their side of the counter: the bill as
        // it is shown now, with the QR and the amount to pay.
        const shown = lastShown();
        showOnDisplay({ ...shown, total: shown.total ?? intent.amount, upi: intent });
      },
      (e: unknown) => {
        if (!current) return;
        const words =
          e instanceof AgentError ? (e.type === 'upi_not_configured' ? w('upi.notConfigured') : e.forCashier) : String(e);
        setAsk({ state: 'refused', words });
      },
    );
    return () => {
      current = false;
    };
  }, [amount.minor, amount.currency, bill]);

  if (ask.state === 'asking') {
    return (
      <section class="upi-qr" aria-busy="true" data-testid="upi-qr">
        <p>{w('upi.asking')}</p>
      </section>
    );
  }
  if (ask.state === 'refused') {
    return (
      <section class="upi-qr refused" data-testid="upi-qr">
        <p role="alert" data-testid="upi-problem">{ask.words}</p>
      </section>
    );
  }
  const { intent } = ask;
  const words = { amount: formatMoney(intent.amount), payee: intent.payee_name };
  return (
    <section class="upi-qr" data-testid="upi-qr" aria-label={w('upi.title')}>
      <img class="upi-qr-code" src={qrSource(intent.qr_svg)} alt={w('upi.qrAlt', words)} data-testid="upi-qr-image" />
      <p class="upi-qr-pay" data-testid="upi-qr-text">{w('upi.scanToPay', words)}</p>
      <p class="upi-qr-vpa">{intent.payee_vpa}</p>
      <p class="upi-qr-note">{w('upi.shownToCustomer')}</p>
    </section>
  );
}
