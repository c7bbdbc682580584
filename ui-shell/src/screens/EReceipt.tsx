// The e-receipt panel of the after-sale screen: the receipt's link sent to
// the customer's mobile by WhatsApp or SMS through the agent's queue
// (`/v1/sales/{id}/e-receipt(s)`), and where each message stands, in words.
// The till never waits on the network: a message asked for offline says
// "Queued" and sends when the till is back online. With no WhatsApp
// provider the agent answers with a click-to-chat link to hand over.

import { useEffect, useState } from 'preact/hooks';
import { AgentError, call } from '../api';
import type { Channel, EReceipt, EReceipts, SaleFact } from '../generated';
import { t } from '../messages';

const enc = encodeURIComponent;

/** `+919845012345` as people read it: `+91 98450 12345`. */
export function readablePhone(e164: string): string {
  const m = /^\+91(\d{5})(\d{5})$/.exec(e164);
  return m ? `+91 ${m[1]} ${m[2]}` : e164;
}

/** Where a message stands, in the cashier's words. */
export function stateInWords(m: EReceipt): string {
  switch (m.state) {
    case 'queued':
      return t('ereceipt.queued');
    case 'sent':
      return t('ereceipt.sent', { to: readablePhone(m.to) });
    case 'failed':
      return t('ereceipt.failed', { why: m.last_error ?? t('ereceipt.noReason') });
    case 'link_only':
      return t('ereceipt.linkOnlyHint', { to: readablePhone(m.to) });
  }
}

export function EReceiptPanel(props: { sale: SaleFact }) {
  const { sale } = props;
  const [answer, setAnswer] = useState<EReceipts | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const path = `/v1/sales/${enc(sale.sale_id)}`;
  const load = () =>
    call<EReceipts>('GET', `${path}/e-receipts`).then(
      (a) => setAnswer(a),
      (e: AgentError) => setError(e.forCashier),
    );
  useEffect(() => {
    load();
  }, [sale.sale_id]);
  // While a message waits for the network, look again now and then.
  const waiting = answer?.messages.some((m) => m.state === 'queued') ?? false;
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(load, 3000);
    return () => clearInterval(timer);
  }, [waiting, sale.sale_id]);
  if (!sale.customer) return null;
  const send = (channel: Channel) => {
    setBusy(true);
    setError(null);
    call<EReceipt>('POST', `${path}/e-receipt`, { channel })
      .then(load, (e: AgentError) => setError(e.forCashier))
      .finally(() => setBusy(false));
  };
  // Enter on these buttons is theirs, not the screen's "next sale".
  const ownEnter = (e: KeyboardEvent) => {
    if (e.key === 'Enter') e.stopPropagation();
  };
  return (
    <section class="e-receipt" aria-label={t('ereceipt.heading')} data-testid="e-receipt">
      <h2>{t('ereceipt.heading')}</h2>
      <div class="actions">
        <button type="button" disabled={busy} onClick={() => send('whatsapp')} onKeyDown={ownEnter} data-testid="send-whatsapp">
          {t('ereceipt.whatsapp')}
        </button>
        {answer?.sms_available && (
          <button type="button" disabled={busy} onClick={() => send('sms')} onKeyDown={ownEnter} data-testid="send-sms">
            {t('ereceipt.sms')}
          </button>
        )}
      </div>
      <ul class="e-receipt-states" aria-live="polite">
        {answer?.messages.map((m) => (
          <li key={m.message_id} data-testid="e-receipt-state" data-state={m.state}>
            {t(`ereceipt.channel.${m.channel}`)}: {stateInWords(m)}
            {m.click_to_chat && (
              <>
                {' '}
                <a href={m.click_to_chat} target="_blank" rel="noopener noreferrer" onKeyDown={ownEnter} data-testid="click-to-chat">
                  {t('ereceipt.linkOnly')}
                </a>
              </>
            )}
          </li>
        ))}
      </ul>
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
