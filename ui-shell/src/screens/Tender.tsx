// Taking payment: cash with change due, card or UPI with their reference,
// any mix of them, and the store's cash rounding when cash is involved.

import { useRef, useState } from 'preact/hooks';
import { AgentError, api } from '../api';
import type { SaleFact, SaleQuote, SaleRequest, Tender, TenderMethod } from '../generated';
import { useKeys } from '../keys';
import { formatPaise, inr, parseRupees } from '../money';
import { t } from '../messages';
import { Notice } from '../components/Dialog';
import { uuidv7 } from '../ids';

type Method = TenderMethod;
interface Row {
  id: number;
  method: Method;
  amount: string;
  reference: string;
}

let rowId = 1;
const asText = (paise: number) => (Math.max(paise, 0) / 100).toFixed(2);

/** What is due given which methods are in play: cash brings the rounding. */
function payable(quote: SaleQuote, rows: Row[]): number {
  return rows.some((r) => r.method === 'cash') ? quote.cash_payable.minor : quote.total.minor;
}

export function TenderScreen(props: {
  quote: SaleQuote;
  request: Omit<SaleRequest, 'tenders'>;
  onSold: (sale: SaleFact) => void;
  onBack: () => void;
}) {
  const { quote } = props;
  const [rows, setRows] = useState<Row[]>([
    { id: rowId++, method: 'cash', amount: asText(quote.cash_payable.minor), reference: '' },
  ]);
  const [phone, setPhone] = useState(props.request.customer_phone ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // One id per bill: a retry after a lost answer returns the same sale.
  const saleId = useRef(uuidv7());

  const amounts = rows.map((r) => parseRupees(r.amount));
  const paid = amounts.reduce<number>((s, a) => s + (a ?? 0), 0);
  const due = payable(quote, rows);
  const remaining = due - paid;
  const hasCash = rows.some((r) => r.method === 'cash');
  const change = hasCash && remaining < 0 ? -remaining : 0;

  const add = (method: Method) => {
    const next = [...rows, { id: rowId++, method, amount: '', reference: '' }];
    const left = payable(quote, next) - paid;
    next[next.length - 1].amount = asText(left);
    setRows(next);
  };
  const edit = (id: number, patch: Partial<Row>) => setRows(rows.map((r) => (r.id === id ? { ...r, ...patch } : r)));

  const complete = async () => {
    if (busy) return;
    if (amounts.some((a) => a === null)) {
      setError(t('error.amount'));
      return;
    }
    if (remaining > 0) {
      setError(t('error.short', { amount: formatPaise(remaining) }));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const tenders: Tender[] = rows.map((r, i) => ({
        method: r.method,
        amount: inr(amounts[i] ?? 0),
        reference: r.method === 'cash' ? undefined : r.reference.trim(),
      }));
      const sale = await api.sell({
        ...props.request,
        sale_id: saleId.current,
        tenders,
        customer_phone: phone.trim() || undefined,
      });
      props.onSold(sale);
    } catch (err) {
      const a = err as AgentError;
      setError(a.field?.startsWith('tenders') && a.field.endsWith('reference') && a.status === 422
        ? t('error.declined', { detail: a.detail })
        : a.forCashier);
    } finally {
      setBusy(false);
    }
  };

  useKeys({
    F5: () => add('cash'),
    F6: () => add('card'),
    F7: () => add('upi'),
    F12: complete,
    Escape: props.onBack,
  });

  const label: Record<Method, string> = { cash: t('tender.cash'), card: t('tender.card'), upi: t('tender.upi') };
  return (
    <main class="tender">
      <section class="card">
        <h1>{t('tender.title')}</h1>
        <dl class="figures">
          <dt>{hasCash ? t('tender.cashDue') : t('tender.due')}</dt>
          <dd data-testid="due">{formatPaise(due)}</dd>
          <dt>{t('tender.paid')}</dt>
          <dd data-testid="paid">{formatPaise(paid)}</dd>
          <dt>{t('tender.remaining')}</dt>
          <dd data-testid="remaining">{formatPaise(Math.max(remaining, 0))}</dd>
          <dt>{t('tender.change')}</dt>
          <dd data-testid="change" class="change">{formatPaise(change)}</dd>
        </dl>
        {rows.map((r, i) => (
          <div class="tender-row" key={r.id} data-method={r.method}>
            <span class="method">{label[r.method]}</span>
            <label>
              {t('tender.amount')}
              <input
                name={`amount-${i}`}
                inputMode="decimal"
                value={r.amount}
                autoFocus={i === rows.length - 1}
                onFocus={(e) => e.currentTarget.select()}
                onInput={(e) => edit(r.id, { amount: e.currentTarget.value })}
              />
            </label>
            {r.method !== 'cash' && (
              <label>
                {t('tender.reference')}
                <input name={`reference-${i}`} autocomplete="off" value={r.reference} onInput={(e) => edit(r.id, { reference: e.currentTarget.value })} />
              </label>
            )}
            {rows.length > 1 && (
              <button type="button" onClick={() => setRows(rows.filter((x) => x.id !== r.id))}>
                {t('tender.remove')}
              </button>
            )}
          </div>
        ))}
        <div class="actions">
          <button type="button" onClick={() => add('cash')}>{label.cash}</button>
          <button type="button" onClick={() => add('card')}>{label.card}</button>
          <button type="button" onClick={() => add('upi')}>{label.upi}</button>
        </div>
        <label>
          {t('tender.customerPhone')}
          <input name="customer-phone" inputMode="tel" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
        </label>
        <Notice notice={error ? { kind: 'error', text: error } : null} />
        <div class="actions">
          <button type="button" class="primary big" disabled={busy} onClick={complete}>
            {busy ? t('common.working') : t('tender.complete')}
          </button>
          <button type="button" onClick={props.onBack}>{t('tender.back')}</button>
        </div>
      </section>
    </main>
  );
}
