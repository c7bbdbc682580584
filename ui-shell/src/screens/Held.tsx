// The store's held bills, from every till (they travel in a shared document):
// each by its name (note, customer or first items), total, age and who held it.

import { useEffect, useState } from 'preact/hooks';
import { AgentError, api } from '../api';
import type { HeldBill } from '../generated';
import { useArrivalFocus } from '../focus';
import { heldName } from '../held';
import { useKeys } from '../keys';
import { formatMoney } from '../money';
import { t } from '../messages';
import { Notice } from '../components/Dialog';
import { age, useNow } from '../components/StatusBar';

export function HeldScreen(props: { onResume: (bill: HeldBill) => void; onBack: () => void }) {
  const [bills, setBills] = useState<HeldBill[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const rootRef = useArrivalFocus<HTMLElement>();
  const now = useNow();
  useEffect(() => {
    api.heldBills().then(setBills, (e: AgentError) => setError(e.forCashier));
  }, []);
  useKeys({ Escape: props.onBack });
  const resume = async (id: string) => {
    try {
      props.onResume(await api.resume(id));
    } catch (e) {
      setError((e as AgentError).forCashier);
    }
  };
  // Newest first: the bill just parked is the one most often wanted back.
  const open = (bills ?? []).filter((b) => b.resumed_by.length === 0).reverse();
  // The first Resume gets the cursor once the list has come.
  useEffect(() => {
    if (open.length) rootRef.current?.querySelector<HTMLButtonElement>('button.resume')?.focus();
  }, [bills]);
  return (
    <main class="list-screen" ref={rootRef}>
      <section class="card">
        <h1>{t('held.title')}</h1>
        {bills && open.length === 0 && <p>{t('held.none')}</p>}
        <ul class="held" data-testid="held-bills">
          {open.map((b) => (
            <li key={b.bill_id} data-bill={b.bill_id}>
              <div class="held-what">
                <strong class="held-name">{heldName(b)}</strong>
                <div class="muted">
                  {b.lines.length === 1 ? t('held.summaryOne', { total: b.total ? formatMoney(b.total) : '—' }) : t('held.summary', { n: b.lines.length, total: b.total ? formatMoney(b.total) : '—' })}
                  {b.approved_by ? ` · ${t('sale.approvedBy', { name: b.approved_by })}` : ''}
                </div>
                <div class="muted">
                  {t('held.by', { who: b.cashier ?? b.held_by, terminal: b.held_by, age: age(b.held_at, now) })}
                </div>
              </div>
              <button type="button" class="primary resume" aria-label={t('held.resumeNamed', { name: heldName(b) })} onClick={() => resume(b.bill_id)}>
                {t('held.resume')}
              </button>
            </li>
          ))}
        </ul>
        <Notice notice={error ? { kind: 'error', text: error } : null} />
        <button type="button" onClick={props.onBack}>{t('common.back')}</button>
      </section>
    </main>
  );
}
