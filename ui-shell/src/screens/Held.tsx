// The store's held bills, from every till (they travel in a shared document).

import { useEffect, useState } from 'preact/hooks';
import { AgentError, api } from '../api';
import type { HeldBill } from '../generated';
import { useKeys } from '../keys';
import { t } from '../messages';
import { Notice } from '../components/Dialog';

export function HeldScreen(props: { onResume: (bill: HeldBill) => void; onBack: () => void }) {
  const [bills, setBills] = useState<HeldBill[] | null>(null);
  const [error, setError] = useState<string | null>(null);
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
  const open = (bills ?? []).filter((b) => b.resumed_by.length === 0);
  return (
    <main class="list-screen">
      <section class="card">
        <h1>{t('held.title')}</h1>
        {bills && open.length === 0 && <p>{t('held.none')}</p>}
        <ul class="held" data-testid="held-bills">
          {open.map((b) => (
            <li key={b.bill_id}>
              <div>
                <strong>{b.note || b.lines.map((l) => l.barcode).join(', ')}</strong>
                <div class="muted">{t('held.by', { terminal: b.held_by, time: new Date(b.held_at).toLocaleTimeString('en-IN') })}</div>
                <div class="muted">{t('sale.items', { n: b.lines.length })}</div>
              </div>
              <button type="button" class="primary" onClick={() => resume(b.bill_id)}>{t('held.resume')}</button>
            </li>
          ))}
        </ul>
        <Notice notice={error ? { kind: 'error', text: error } : null} />
        <button type="button" onClick={props.onBack}>{t('common.back')}</button>
      </section>
    </main>
  );
}
