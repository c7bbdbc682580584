// A customer's credit account (the khata) in the customer dialog: what they
// owe as the hub last said, what can still go on the account at this till,
// and a payment against the dues in cash, by card or by UPI, taken offline
// too. One id per payment, so a retry after a lost answer is not taken twice.
// A reminder of what is owed goes to the holder by WhatsApp or SMS through
// the agent's message queue (asked again the same day for the same amount,
// the same reminder).

import { useEffect, useRef, useState } from 'preact/hooks';
import { AgentError, api, call } from '../api';
import type { Channel, EReceipt, Reminders, TillAccount } from '../generated';
import { stateInWords } from '../screens/EReceipt';
import { uuidv7 } from '../ids';
import { formatMoney, inr, parseRupees } from '../money';
import { t } from '../messages';

type PayMethod = 'cash' | 'card' | 'upi';

export function DuesPanel(props: { phone: string }) {
  /** Undefined while asked; null when the number has no account. */
  const [account, setAccount] = useState<TillAccount | null | undefined>(undefined);
  const [amount, setAmount] = useState('');
  const [method, setMethod] = useState<PayMethod>('cash');
  const [reference, setReference] = useState('');
  const [notice, setNotice] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const paymentId = useRef(uuidv7());
  // The cursor waits in the payment field, and comes back to it after each step.
  const amountRef = useRef<HTMLInputElement>(null);
  const refocus = () => setTimeout(() => amountRef.current?.focus(), 0);
  const [reminders, setReminders] = useState<Reminders | null>(null);
  const remindersPath = `/v1/credit-accounts/${encodeURIComponent(props.phone)}/reminders`;
  const loadReminders = () =>
    call<Reminders>('GET', remindersPath).then(setReminders, () => setReminders(null));
  useEffect(() => {
    void loadReminders();
  }, [props.phone]);
  useEffect(() => {
    if (account) refocus();
  }, [account?.phone]);

  useEffect(() => {
    let live = true;
    setAccount(undefined);
    api.creditAccount(props.phone).then(
      (a) => live && setAccount(a),
      () => live && setAccount(null),
    );
    return () => {
      live = false;
    };
  }, [props.phone]);

  if (account === undefined) return null;
  if (account === null) return <p data-testid="dues-figures">{t('tender.creditNone')}</p>;

  const pay = async () => {
    if (busy) return;
    const paise = parseRupees(amount);
    if (paise === null || paise <= 0) {
      setNotice({ kind: 'error', text: t('error.amount') });
      return;
    }
    setBusy(true);
    setNotice(null);
    try {
      const paid = await api.payDues(account.phone, {
        payment_id: paymentId.current,
        amount: inr(paise),
        method,
        reference: method === 'cash' ? undefined : reference.trim(),
      });
      paymentId.current = uuidv7();
      setAccount(paid.account);
      setAmount('');
      setReference('');
      setNotice({ kind: 'ok', text: t('dues.paid', { amount: formatMoney(paid.payment.amount) }) });
      // A reminder sent before says an amount no longer owed.
      setReminders((r) => (r ? { ...r, messages: [] } : r));
    } catch (err) {
      setNotice({ kind: 'error', text: (err as AgentError).forCashier });
    } finally {
      setBusy(false);
      refocus();
    }
  };

  const remind = async (channel: Channel) => {
    setBusy(true);
    setNotice(null);
    try {
      const sent = await call<EReceipt>('POST', remindersPath, { channel });
      const all = await call<Reminders>('GET', remindersPath);
      // The reminder for what is owed now, not an earlier one.
      setReminders({ ...all, messages: all.messages.filter((m) => m.message_id === sent.message_id) });
    } catch (err) {
      setNotice({ kind: 'error', text: (err as AgentError).forCashier });
    } finally {
      setBusy(false);
      refocus();
    }
  };

  return (
    <section class="dues" data-testid="dues">
      <p data-testid="dues-figures">
        {account.name ? `${account.name}: ` : ''}
        {t('dues.figures', {
          dues: formatMoney(account.dues),
          limit: formatMoney(account.limit),
          available: formatMoney(account.available_here),
        })}
        {account.closed && ` ${t('dues.closed')}`}
      </p>
      <div class="dues-pay">
        <label>
          {t('dues.amount')}
          <input name="dues-amount" ref={amountRef} inputMode="decimal" autocomplete="off" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
        </label>
        <label>
          {t('dues.method')}
          <select name="dues-method" value={method} onChange={(e) => setMethod(e.currentTarget.value as PayMethod)}>
            <option value="cash">{t('method.cash')}</option>
            <option value="card">{t('method.card')}</option>
            <option value="upi">{t('method.upi')}</option>
          </select>
        </label>
        {method !== 'cash' && (
          <label>
            {method === 'card' ? t('tender.cardReference') : t('tender.upiReference')}
            <input name="dues-reference" autocomplete="off" value={reference} onInput={(e) => setReference(e.currentTarget.value)} />
          </label>
        )}
        <button type="button" onClick={pay} disabled={busy}>
          {busy ? t('common.working') : t('dues.take')}
        </button>
      </div>
      {account.dues.minor > 0 && (
        <div class="actions" data-testid="dues-reminder">
          <button type="button" disabled={busy} onClick={() => void remind('whatsapp')}>
            {t('dues.remindWhatsapp')}
          </button>
          {reminders?.sms_available && (
            <button type="button" disabled={busy} onClick={() => void remind('sms')}>
              {t('dues.remindSms')}
            </button>
          )}
        </div>
      )}
      {account.dues.minor > 0 && reminders && reminders.messages.length > 0 && (
        <ul class="e-receipt-states" aria-live="polite">
          {reminders.messages.slice(0, 1).map((m) => (
            <li key={m.message_id} data-testid="reminder-state" data-state={m.state}>
              {t('dues.reminder')} {t(`ereceipt.channel.${m.channel}`)}: {stateInWords(m)}
              {m.click_to_chat && (
                <>
                  {' '}
                  <a href={m.click_to_chat} target="_blank" rel="noopener noreferrer" data-testid="reminder-link">
                    {t('dues.reminderLink')}
                  </a>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {notice && (
        <p class={`notice ${notice.kind === 'error' ? 'error' : 'info'}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
          {notice.text}
        </p>
      )}
    </section>
  );
}
