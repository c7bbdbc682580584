// Customer look-up (by phone digits or name) and capture (phone, name, GSTIN
// for a B2B invoice). Profiles live in a store document, so this works offline
// and merges with edits made on other tills. The look-up finds the holders of
// the store's credit accounts too (HQ opens those without a profile).

import { useEffect, useState } from 'preact/hooks';
import { AgentError, api } from '../api';
import type { Customer, TillAccount } from '../generated';
import { t } from '../messages';
import { Dialog } from './Dialog';
import { DuesPanel } from './DuesPanel';

export function CustomerDialog(props: {
  current?: string;
  onChoose: (c: Customer | undefined) => void;
  onClose: () => void;
}) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Customer[]>([]);
  const [holders, setHolders] = useState<TillAccount[]>([]);
  const [phone, setPhone] = useState(props.current ?? '');
  const [name, setName] = useState('');
  const [gstin, setGstin] = useState('');
  const [error, setError] = useState<string | null>(null);
  /** The customer's credit account in place of the form. */
  const [dues, setDues] = useState(false);
  const hasPhone = phone.replace(/\D/g, '').length >= 10;

  useEffect(() => {
    const text = q.trim();
    if (!text) {
      setFound([]);
      setHolders([]);
      return;
    }
    let stale = false;
    const timer = setTimeout(() => {
      api.customers(text).then((r) => !stale && setFound(r), () => !stale && setFound([]));
      api.findCreditAccounts(text).then((r) => !stale && setHolders(r), () => !stale && setHolders([]));
    }, 120);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [q]);

  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const patch: { name?: string; gstin?: string } = {};
      if (name.trim()) patch.name = name.trim();
      if (gstin.trim()) patch.gstin = gstin.trim().toUpperCase();
      props.onChoose(await api.saveCustomer(phone.trim(), patch));
    } catch (err) {
      setError((err as AgentError).forCashier);
    }
  };

  if (dues && hasPhone) {
    return (
      <Dialog title={t('dues.title')} onClose={props.onClose}>
        <DuesPanel phone={phone.trim()} />
        <div class="actions">
          <button type="button" onClick={() => setDues(false)}>{t('dues.back')}</button>
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog title={t('customer.title')} onClose={props.onClose}>
      <label>
        {t('customer.find')}
        <input name="customer-search" autocomplete="off" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      </label>
      {found.length > 0 && (
        <ul class="held" data-testid="customers">
          {found.map((c) => (
            <li key={c.phone}>
              <span>
                <strong>{c.name ?? c.phone}</strong> <span class="muted">{c.phone}{c.gstin ? ` · ${c.gstin}` : ''}</span>
              </span>
              <button type="button" onClick={() => props.onChoose(c)}>{t('customer.choose')}</button>
            </li>
          ))}
        </ul>
      )}
      {holders.some((h) => !found.some((c) => c.phone === h.phone)) && (
        <ul class="held" data-testid="account-holders">
          {holders
            .filter((h) => !found.some((c) => c.phone === h.phone))
            .map((h) => (
              <li key={h.phone}>
                <span>
                  <strong>{h.name ?? h.phone}</strong> <span class="muted">{h.phone} · {t('customer.holder')}</span>
                </span>
                <button
                  type="button"
                  onClick={() => {
                    setPhone(h.phone);
                    setDues(true);
                  }}
                >
                  {t('dues.open')}
                </button>
                <button type="button" onClick={() => props.onChoose({ phone: h.phone, name: h.name })}>{t('customer.choose')}</button>
              </li>
            ))}
        </ul>
      )}
      <form onSubmit={save}>
        <h3>{t('customer.new')}</h3>
        <label>
          {t('customer.phone')}
          <input name="customer-phone" inputMode="tel" autocomplete="off" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
        </label>
        <label>
          {t('customer.name')}
          <input name="customer-name" autocomplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          {t('customer.gstin')}
          <input name="customer-gstin" autocomplete="off" value={gstin} onInput={(e) => setGstin(e.currentTarget.value)} />
        </label>
        {error && <p class="notice error" role="alert">{error}</p>}
        <div class="actions">
          <button type="submit" class="primary" disabled={!phone.trim()}>{t('customer.save')}</button>
          {hasPhone && (
            <button type="button" onClick={() => setDues(true)}>{t('dues.open')}</button>
          )}
          {props.current && (
            <button type="button" onClick={() => props.onChoose(undefined)}>{t('customer.remove')}</button>
          )}
          <button type="button" onClick={props.onClose}>{t('common.cancel')}</button>
        </div>
      </form>
    </Dialog>
  );
}
