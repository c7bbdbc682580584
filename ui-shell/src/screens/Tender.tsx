// Taking payment: cash with change due and quick-cash notes, card or UPI with
// their reference, any mix of them, and the store's cash rounding when cash
// is involved. Every problem is named on its row before anything is sent.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { AgentError, api } from '../api';
import type { PointsAtTill, SaleFact, SaleQuote, SaleRequest, Tender, TenderMethod, TillAccount } from '../generated';
import { NumPad } from '../components/NumPad';
import { lastShown, showOnDisplay } from '../display/publish';
import { UpiQr } from '../display/UpiQr';
import { Notice } from '../components/Dialog';
import { useArrivalFocus } from '../focus';
import { uuidv7 } from '../ids';
import { useKeys } from '../keys';
import { formatMoney, formatPaise, inr, parseRupees } from '../money';
import { t } from '../messages';

type Method = TenderMethod;
interface Row {
  id: number;
  method: Method;
  amount: string;
  reference: string;
  /** Typed into by the cashier (the first cash row starts as the whole bill). */
  touched?: boolean;
}

let rowId = 1;
/** The largest note (₹2,000), in paise. */
const LARGEST_NOTE = 200000;
const asText = (paise: number) => (Math.max(paise, 0) / 100).toFixed(2);

/** What is due given which methods are in play: cash brings the rounding. */
function payable(quote: SaleQuote, rows: Row[]): number {
  return rows.some((r) => r.method === 'cash') ? quote.cash_payable.minor : quote.total.minor;
}

/** What a bill of `totalPaise` may be paid with in points here, in paise:
 * the points this till may take, within the rules' share of the bill. */
function pointsWorth(p: PointsAtTill, totalPaise: number): number {
  const value = p.rules.point_value.minor;
  const most = Math.floor((totalPaise * p.rules.max_bill_percent) / 100 / value);
  return Math.min(p.available_here, most) * value;
}

/** Exact, then the next ₹100, ₹200, ₹500 and ₹2,000 at or above what is due. */
export function quickCash(duePaise: number): number[] {
  const amounts = [duePaise, ...[10000, 20000, 50000, 200000].map((note) => Math.ceil(duePaise / note) * note)];
  return [...new Set(amounts)].filter((a) => a > 0).sort((a, b) => a - b);
}

/** Why a row cannot be taken as it is, in the cashier's words; null when it can. */
function rowProblem(
  r: Row,
  amount: number | null,
  phone: string,
  pointValue: number | null,
): { field: 'amount' | 'reference' | 'phone'; text: string } | null {
  if (amount === null) return { field: 'amount', text: t('error.amount') };
  if (amount <= 0) return { field: 'amount', text: t('error.amountZero') };
  if (r.method === 'credit' && !phone.trim()) return { field: 'phone', text: t('error.creditPhone') };
  if (r.method === 'points' && !phone.trim()) return { field: 'phone', text: t('error.pointsPhone') };
  if (r.method === 'points' && pointValue && amount % pointValue !== 0) {
    return { field: 'amount', text: t('error.pointsWhole', { value: formatPaise(pointValue) }) };
  }
  if (r.method === 'card' && !r.reference.trim()) return { field: 'reference', text: t('error.cardReference') };
  if (r.method === 'upi' && !r.reference.trim()) return { field: 'reference', text: t('error.upiReference') };
  return null;
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
  /** Row problems are shown once the cashier tries to complete. */
  const [checked, setChecked] = useState(false);
  /** Where the cursor goes after the next render: a row's field. */
  const [focusTo, setFocusTo] = useState<string | null>(null);
  const rootRef = useArrivalFocus<HTMLElement>();
  // One id per bill: a retry after a lost answer returns the same sale.
  const saleId = useRef(uuidv7());

  // The customer's points, once a whole number is typed.
  const [points, setPoints] = useState<PointsAtTill | null>(null);
  useEffect(() => {
    if (phone.replace(/\D/g, '').length < 10) {
      setPoints(null);
      return;
    }
    let live = true;
    api.points(phone.trim()).then(
      (p) => live && setPoints(p.rules.enabled ? p : null),
      () => live && setPoints(null),
    );
    return () => {
      live = false;
    };
  }, [phone]);
  const pointValue = points ? points.rules.point_value.minor : null;
  const amounts = rows.map((r) => parseRupees(r.amount));
  const problems = rows.map((r, i) => rowProblem(r, amounts[i], phone, pointValue));
  // The customer's account, while a row puts the bill on it.
  const onAccount = rows.some((r) => r.method === 'credit');
  const [account, setAccount] = useState<TillAccount | null | undefined>(undefined);
  useEffect(() => {
    if (!onAccount || phone.replace(/\D/g, '').length < 10) {
      setAccount(undefined);
      return;
    }
    let live = true;
    api.creditAccount(phone.trim()).then(
      (a) => live && setAccount(a),
      () => live && setAccount(null),
    );
    return () => {
      live = false;
    };
  }, [onAccount, phone]);
  // Offered: an amount typed (a card or UPI row may still want its
  // reference). Paid: nothing left to ask, so the customer may be told so.
  const valid = (i: number) => problems[i] === null || problems[i]?.field === 'reference';
  const offered = amounts.reduce<number>((s, a, i) => s + (valid(i) ? (a ?? 0) : 0), 0);
  const paid = amounts.reduce<number>((s, a, i) => s + (problems[i] === null ? (a ?? 0) : 0), 0);
  const cashPaid = rows.reduce((s, r, i) => s + (r.method === 'cash' && valid(i) ? (amounts[i] ?? 0) : 0), 0);
  const due = payable(quote, rows);
  const remaining = due - paid;
  const short = due - offered;
  // Card and UPI pay at most the bill: cash back over a card is not given here.
  const overpaidElsewhere = Math.max(0, offered - cashPaid - due);
  // Change comes out of the drawer: never more than the cash handed over,
  // and none while the payment itself is wrong.
  const change = short < 0 && overpaidElsewhere === 0 ? Math.min(-short, cashPaid) : 0;
  // Change of the largest note or more: a note was handed over that the
  // bill did not need, or the amount was mistyped.
  const tooMuchChange = change >= LARGEST_NOTE;
  const lastNonCash = rows.reduce((last, r, i) => (r.method !== 'cash' ? i : last), -1);

  // The customer sees what is due, paid and the change as it is typed; the
  // UPI QR (put there by its panel) stays while a UPI payment is on screen.
  const upiRow = rows.findIndex((r) => r.method === 'upi');
  useEffect(() => {
    const shown = lastShown();
    const settled = remaining <= 0 && !tooMuchChange;
    showOnDisplay({
      ...shown,
      total: inr(due),
      // Nothing is "paid" on the customer's side until it is: a UPI row
      // waiting for its reference is still to pay.
      paid: paid > 0 ? inr(paid) : undefined,
      change: settled ? inr(change) : undefined,
      upi: upiRow >= 0 ? shown.upi : undefined,
    });
  }, [due, paid, change, upiRow, remaining, tooMuchChange]);

  // Before the next key can arrive: F6 then typing goes into the new row.
  useLayoutEffect(() => {
    if (!focusTo) return;
    document.querySelector<HTMLInputElement>(`input[name="${focusTo}"]`)?.focus();
    setFocusTo(null);
  }, [focusTo]);

  const edit = (id: number, patch: Partial<Row>) => {
    setError(null);
    setRows(rows.map((r) => (r.id === id ? { ...r, ...patch, touched: true } : r)));
  };

  const add = (method: Method) => {
    setError(null);
    // Card or UPI first, before any cash is typed: the whole bill that way.
    const fresh = rows.length === 1 && rows[0].method === 'cash' && !rows[0].touched && method !== 'cash';
    const next = [...(fresh ? [] : rows), { id: rowId++, method, amount: '', reference: '' }];
    let left = payable(quote, next) - (fresh ? 0 : paid);
    // Points pay at most what the rules and this till allow, in whole points.
    if (method === 'points' && points && pointValue) left = Math.min(left, pointsWorth(points, quote.total.minor));
    next[next.length - 1].amount = asText(left);
    setRows(next);
    // The amount is filled with what is left; a card or UPI row needs its reference next.
    const i = next.length - 1;
    setFocusTo(method === 'cash' ? `amount-${i}` : method === 'credit' ? 'customer-phone' : `reference-${i}`);
  };

  const complete = async () => {
    if (busy) return;
    setChecked(true);
    const bad = problems.findIndex((p) => p !== null);
    if (bad >= 0) {
      setError(problems[bad]!.text);
      setFocusTo(problems[bad]!.field === 'phone' ? 'customer-phone' : `${problems[bad]!.field}-${bad}`);
      return;
    }
    if (short > 0) {
      setError(t('error.short', { amount: formatPaise(short) }));
      return;
    }
    if (overpaidElsewhere > 0) {
      setError(t('error.overpaid', { amount: formatPaise(overpaidElsewhere) }));
      setFocusTo(`amount-${lastNonCash}`);
      return;
    }
    if (tooMuchChange) {
      setError(t('error.tooMuchChange', { change: formatPaise(change) }));
      setFocusTo(`amount-${cashRow}`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const tenders: Tender[] = rows.map((r, i) => ({
        method: r.method,
        amount: inr(amounts[i] ?? 0),
        reference: r.method === 'cash' || r.method === 'credit' || r.method === 'points' ? undefined : r.reference.trim(),
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
      const row = /^tenders\[(\d+)\]/.exec(a.field ?? '');
      // The agent's words: a reference of the wrong shape is not a decline,
      // and nothing was charged by this till.
      setError(a.forCashier);
      if (row) setFocusTo(`${a.field?.endsWith('reference') ? 'reference' : 'amount'}-${row[1]}`);
    } finally {
      setBusy(false);
    }
  };

  const cashRow = rows.findIndex((r) => r.method === 'cash');
  const takeCash = (paise: number) => {
    edit(rows[cashRow].id, { amount: asText(paise) });
    setFocusTo(`amount-${cashRow}`);
  };
  // The cash still to come once card and UPI have paid their part.
  const nonCash = rows.reduce((s, r, i) => s + (r.method !== 'cash' && valid(i) ? (amounts[i] ?? 0) : 0), 0);
  const cashDue = due - nonCash;

  useKeys({
    F5: () => add('cash'),
    F6: () => add('card'),
    F7: () => add('upi'),
    F8: () => add('credit'),
    F9: () => points && points.available_here > 0 && add('points'),
    F12: complete,
    Escape: props.onBack,
  });

  const label: Record<Method, string> = {
    cash: t('tender.cash'),
    card: t('tender.card'),
    upi: t('tender.upi'),
    credit: t('tender.credit'),
    points: t('tender.points'),
  };
  const refLabel: Record<Method, string> = { cash: '', card: t('tender.cardReference'), upi: t('tender.upiReference'), credit: '', points: '' };
  return (
    <main class="tender" ref={rootRef}>
      <section class="card tender-card">
        <h1>{t('tender.title')}</h1>
        <div class="tender-rows">
        {rows.map((r, i) => {
          const problem = checked || (amounts[i] !== null && amounts[i]! <= 0) ? problems[i] : null;
          return (
            <div class={problem ? 'tender-row problem' : 'tender-row'} key={r.id} data-method={r.method}>
              <span class="method">{t(`method.${r.method}`)}</span>
              <label>
                {t('tender.amount')}
                <input
                  name={`amount-${i}`}
                  inputMode="decimal"
                  value={r.amount}
                  data-autofocus={i === 0 ? true : undefined}
                  aria-invalid={problem?.field === 'amount' || (overpaidElsewhere > 0 && i === lastNonCash) || (tooMuchChange && r.method === 'cash') ? true : undefined}
                  onFocus={(e) => e.currentTarget.select()}
                  onInput={(e) => edit(r.id, { amount: e.currentTarget.value })}
                />
              </label>
              {r.method !== 'cash' && r.method !== 'credit' && r.method !== 'points' && (
                <label>
                  {refLabel[r.method]}
                  <input
                    name={`reference-${i}`}
                    autocomplete="off"
                    value={r.reference}
                    aria-invalid={problem?.field === 'reference' ? true : undefined}
                    onInput={(e) => edit(r.id, { reference: e.currentTarget.value })}
                  />
                </label>
              )}
              {rows.length > 1 && (
                <button type="button" onClick={() => setRows(rows.filter((x) => x.id !== r.id))}>
                  {t('tender.remove')}
                </button>
              )}
              {problem && <p class="row-problem" role="alert">{problem.text}</p>}
              {r.method === 'upi' && amounts[i] !== null && amounts[i]! > 0 && (
                <div class="row-qr">
                  <UpiQr amount={inr(amounts[i]!)} bill={saleId.current.replace(/-/g, '').slice(-12)} />
                </div>
              )}
            </div>
          );
        })}
        {cashRow >= 0 && cashDue > 0 && (
          <div class="quick-cash" role="group" aria-label={t('tender.quickCash')}>
            {quickCash(cashDue).map((a, i) => (
              <button type="button" key={a} data-testid="quick-cash" onClick={() => takeCash(a)}>
                {i === 0 ? t('tender.exact', { amount: formatPaise(a) }) : formatPaise(a)}
              </button>
            ))}
          </div>
        )}
        <div class="actions">
          <button type="button" onClick={() => add('cash')}>{label.cash}</button>
          <button type="button" onClick={() => add('card')}>{label.card}</button>
          <button type="button" onClick={() => add('upi')}>{label.upi}</button>
          <button type="button" onClick={() => add('credit')}>{label.credit}</button>
          {points && points.available_here > 0 && (
            <button type="button" onClick={() => add('points')}>{label.points}</button>
          )}
        </div>
        <label>
          {t(onAccount ? 'tender.customerPhoneOnAccount' : 'tender.customerPhone')}
          <input name="customer-phone" inputMode="tel" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} />
        </label>
        {points && (
          <p class="points" data-testid="points">
            {t('tender.pointsHere', {
              points: String(points.balance),
              worth: formatPaise(points.balance * points.rules.point_value.minor),
              most: String(Math.floor(pointsWorth(points, quote.total.minor) / points.rules.point_value.minor)),
            })}
          </p>
        )}
        {onAccount && account !== undefined && (
          <p class="credit-account" data-testid="credit-account">
            {account === null
              ? t('tender.creditNone')
              : account.closed
                ? t('tender.creditClosed', { name: account.name ?? account.phone })
                : t('tender.creditHere', {
                    name: account.name ?? account.phone,
                    dues: formatMoney(account.dues),
                    available: formatMoney(account.available_here),
                  })}
          </p>
        )}
        </div>
        <div class="tender-summary">
          <dl class="figures">
          <dt>{rows.some((r) => r.method === 'cash') ? t('tender.cashDue') : t('tender.due')}</dt>
          <dd data-testid="due">{formatPaise(due)}</dd>
          <dt>{t('tender.paid')}</dt>
          <dd data-testid="paid">{formatPaise(paid)}</dd>
          <dt>{t('tender.remaining')}</dt>
          <dd data-testid="remaining">{formatPaise(Math.max(remaining, 0))}</dd>
          <dt>{t('tender.change')}</dt>
          <dd data-testid="change" class="change">{formatPaise(change)}</dd>
          </dl>
          <Notice notice={error ? { kind: 'error', text: error } : null} />
          <div class="actions">
            <button type="button" class="primary big" disabled={busy} onClick={complete}>
              {busy ? t('common.working') : t('tender.complete')}
            </button>
            <button type="button" onClick={props.onBack}>{t('tender.back')}</button>
          </div>
        </div>
      </section>
      <aside class="tender-pad">
        <NumPad fallback={() => document.querySelector<HTMLInputElement>('input[name="amount-0"]')} decimal />
      </aside>
    </main>
  );
}
