// After the sale: the change to give, the receipt as printed, reprint, and
// the receipt's link sent by WhatsApp or SMS (`EReceipt.tsx`).

import { useEffect, useState } from 'preact/hooks';
import { AgentError, api } from '../api';
import type { SaleFact } from '../generated';
import { useArrivalFocus } from '../focus';
import { useKeys } from '../keys';
import { formatMoney } from '../money';
import { t } from '../messages';
import { Notice } from '../components/Dialog';
import { EReceiptPanel } from './EReceipt';

export function ReceiptScreen(props: { sale: SaleFact; onNext: () => void }) {
  const { sale } = props;
  const [text, setText] = useState('');
  const [notice, setNotice] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  useEffect(() => {
    api.receiptText(sale.sale_id).then(setText, (e: AgentError) => setNotice({ kind: 'error', text: e.forCashier }));
  }, [sale.sale_id]);
  const rootRef = useArrivalFocus<HTMLElement>();
  useKeys({ Enter: props.onNext, Escape: props.onNext });
  const reprint = () =>
    api.reprint(sale.sale_id).then(
      () => setNotice({ kind: 'info', text: t('receipt.reprinted') }),
      (e: AgentError) => setNotice({ kind: 'error', text: e.forCashier }),
    );
  return (
    <main class="receipt-screen" ref={rootRef}>
      <section class="card">
        <h1>{t('receipt.title', { no: sale.receipt_no })}</h1>
        {sale.change_due.minor > 0 && (
          <p class="change-due" data-testid="change-due">{t('receipt.change', { amount: formatMoney(sale.change_due) })}</p>
        )}
        <pre class="receipt" data-testid="receipt" tabIndex={0} aria-label={t('receipt.title', { no: sale.receipt_no })}>{text}</pre>
        <Notice notice={notice} />
        <EReceiptPanel sale={sale} />
        <div class="actions">
          <button type="button" class="primary big" data-autofocus onClick={props.onNext}>{t('receipt.next')}</button>
          <button type="button" onClick={reprint}>{t('receipt.reprint')}</button>
        </div>
      </section>
    </main>
  );
}
