// Returns by receipt number (typed or scanned from the receipt): pick what
// comes back, where the refund goes, and why.

import { useEffect, useState } from 'preact/hooks';
import { AgentError, api } from '../api';
import type { RefundTo, ReturnableSale } from '../generated';
import { useArrivalFocus } from '../focus';
import { useKeys } from '../keys';
import { formatMoney } from '../money';
import { t } from '../messages';
import { Notice } from '../components/Dialog';

export function ReturnsScreen(props: { onBack: () => void; scanned: string | null }) {
  const [receipt, setReceipt] = useState(props.scanned ?? '');
  const [found, setFound] = useState<ReturnableSale | null>(null);
  const [qty, setQty] = useState<string[]>([]);
  const [refundTo, setRefundTo] = useState<RefundTo>('original');
  const [reason, setReason] = useState('');
  const [notice, setNotice] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const rootRef = useArrivalFocus<HTMLElement>();
  useKeys({ Escape: props.onBack });

  const lookUp = async (text: string) => {
    setNotice(null);
    // An item's barcode is not a receipt: say so rather than "not found".
    if (/^\d{8,14}$/.test(text)) {
      setFound(null);
      setNotice({ kind: 'error', text: t('returns.itemScanned') });
      return;
    }
    try {
      const sale = await api.saleByReceipt(text);
      setFound(sale);
      setQty(sale.sale.lines.map(() => '0'));
    } catch (err) {
      setFound(null);
      setNotice({ kind: 'error', text: (err as AgentError).forCashier });
    }
  };
  const find = (e?: Event) => {
    e?.preventDefault();
    void lookUp(receipt.trim());
  };
  // A receipt scanned on the way here (or while here: a new scan is a new
  // screen) is looked up at once.
  useEffect(() => {
    if (props.scanned) void lookUp(props.scanned.trim());
  }, []);
  // The sale found: the cursor goes to what comes back.
  useEffect(() => {
    if (found) rootRef.current?.querySelector<HTMLInputElement>('[name=return-qty-0]')?.focus();
  }, [found]);
  const refund = async () => {
    if (!found) return;
    const lines = qty
      .map((q, i) => ({ sale_line: i, qty: q.trim() }))
      .filter((l) => l.qty && Number(l.qty) > 0);
    try {
      const done = await api.refund({
        original_receipt_no: found.sale.receipt_no,
        lines,
        refund_to: refundTo,
        reason: reason.trim(),
      });
      // What the customer gets: a cash refund is rounded like a cash sale.
      const refunded = { ...done.total, minor: done.total.minor + (done.rounding?.minor ?? 0) };
      setNotice({ kind: 'info', text: t('returns.done', { amount: formatMoney(refunded), no: done.receipt_no }) });
      setFound(null);
      setReason('');
    } catch (err) {
      setNotice({ kind: 'error', text: (err as AgentError).forCashier });
    }
  };

  return (
    <main class="list-screen" ref={rootRef}>
      <section class="card">
        <h1>{t('returns.title')}</h1>
        <form onSubmit={find} class="row">
          <label>
            {t('returns.receipt')}
            <input name="receipt-no" value={receipt} autoFocus onInput={(e) => setReceipt(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={!receipt.trim()}>{t('returns.find')}</button>
        </form>
        {found && (
          <>
            <table class="lines">
              <thead>
                <tr>
                  <th scope="col">{t('sale.item')}</th>
                  <th scope="col" class="num">{t('returns.sold')}</th>
                  <th scope="col" class="num">{t('returns.already')}</th>
                  <th scope="col" class="num">{t('sale.amount')}</th>
                  <th scope="col" class="num">{t('returns.returnQty')}</th>
                </tr>
              </thead>
              <tbody>
                {found.sale.lines.map((l, i) => (
                  <tr key={i}>
                    <td>{l.name}</td>
                    <td class="num">{l.qty}</td>
                    <td class="num">{found.returned[i]}</td>
                    <td class="num">{formatMoney(l.line_total)}</td>
                    <td class="num">
                      <input class="qty" name={`return-qty-${i}`} aria-label={`${t('returns.returnQty')} ${l.name}`} inputMode="decimal" value={qty[i]} onInput={(e) => setQty(qty.map((q, j) => (j === i ? e.currentTarget.value : q)))} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <fieldset>
              <legend>{t('returns.refundTo')}</legend>
              <label class="inline"><input type="radio" name="refund-to" checked={refundTo === 'original'} onChange={() => setRefundTo('original')} /> {t('returns.original')}</label>
              <label class="inline"><input type="radio" name="refund-to" checked={refundTo === 'cash'} onChange={() => setRefundTo('cash')} /> {t('returns.cash')}</label>
            </fieldset>
            <label>
              {t('returns.reason')}
              <input name="return-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            </label>
            <button type="button" class="primary" disabled={!reason.trim()} onClick={refund}>{t('returns.submit')}</button>
          </>
        )}
        <Notice notice={notice} />
        <button type="button" onClick={props.onBack}>{t('common.back')}</button>
      </section>
    </main>
  );
}
