// Shift open with a float, cash in and out, the X report, and close with the
// counted cash giving the Z report.

import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { AgentError, api } from '../api';
import type { ShiftReport, SignedIn, TenderMethod } from '../generated';
import { useArrivalFocus } from '../focus';
import { useKeys } from '../keys';
import { formatMoney, formatPaise, inr, parseRupees } from '../money';
import { t } from '../messages';
import { Notice } from '../components/Dialog';

function methodName(method: TenderMethod): string {
  switch (method) {
    case 'cash':
      return t('method.cash');
    case 'card':
      return t('method.card');
    case 'upi':
      return t('method.upi');
    case 'credit':
      return t('method.credit');
    case 'points':
      return t('method.points');
    default:
      return method;
  }
}

function Report(props: { report: ShiftReport }) {
  const r = props.report;
  const rows: [string, string][] = [
    [t('shift.floatShown'), formatMoney(r.opening_float)],
    [t('shift.sales'), String(r.sales_count)],
    [t('shift.salesTotal'), formatMoney(r.sales_total)],
    [t('shift.rounding'), formatMoney(r.rounding)],
    ...r.tenders.map((x): [string, string] => [methodName(x.method), formatMoney(x.amount)]),
    [t('shift.discounts'), formatMoney(r.discounts_total)],
    [t('shift.refunds'), formatMoney(r.refunds_total)],
    ...r.refunds.map((x): [string, string] => [t('shift.refundsBy', { method: methodName(x.method) }), formatMoney(x.amount)]),
    ...(r.dues_received ?? []).map((x): [string, string] => [t('shift.duesBy', { method: methodName(x.method) }), formatMoney(x.amount)]),
    ...r.tax.map((x): [string, string] => [
      t('shift.gst', { rate: x.rate_bp / 100, taxable: formatMoney(x.taxable) }),
      formatPaise(x.cgst.minor + x.sgst.minor + x.igst.minor),
    ]),
    [t('shift.cashInOut'), `${formatMoney(r.cash_in)} / ${formatMoney(r.cash_out)}`],
    [t('shift.expected'), formatMoney(r.expected_cash)],
  ];
  if (r.counted_cash) rows.push([t('shift.countedCash'), formatMoney(r.counted_cash)]);
  if (r.variance) rows.push([t('shift.variance'), formatMoney(r.variance)]);
  return (
    <section class="report" data-testid={r.closed_at ? 'z-report' : 'x-report'}>
      <h2>{r.closed_at ? t('shift.z') : t('shift.x')}</h2>
      <dl class="figures">
        {rows.map(([k, v]) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd data-figure={k}>{v}</dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}

export function ShiftScreen(props: {
  shift: ShiftReport | null;
  cashier: SignedIn | null;
  onChanged: (r: ShiftReport | null) => void;
  onBack: () => void;
  /** The store's back office beside the shift: its stock takes. */
  onStockTake: () => void;
  /** …and taking deliveries in. */
  onGoodsIn: () => void;
  onTransfers: () => void;
  onStockAlerts: () => void;
}) {
  const [float, setFloat] = useState('');
  const [cashAmount, setCashAmount] = useState('');
  const [cashReason, setCashReason] = useState('');
  const [counted, setCounted] = useState('');
  const [closed, setClosed] = useState<ShiftReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const open = props.shift && !props.shift.closed_at ? props.shift : null;
  const rootRef = useArrivalFocus<HTMLElement>(closed ? 'closed' : open ? 'open' : 'none');
  useKeys({ Escape: props.onBack });

  const run = async (work: () => Promise<ShiftReport>, after?: (r: ShiftReport) => void) => {
    setError(null);
    try {
      const r = await work();
      after?.(r);
    } catch (e) {
      setError((e as AgentError).forCashier);
    }
  };
  const money = (text: string) => {
    const p = parseRupees(text);
    if (p === null) throw new AgentError(422, 'amount', t('error.amount'));
    return inr(p);
  };
  return (
    <main class="list-screen" ref={rootRef}>
      <section class="card">
        <h1>{t('shift.title')}</h1>
        {closed && <Report report={closed} />}
        {!open && !closed && (
          <form class="row" onSubmit={(e) => { e.preventDefault(); run(() => api.openShift(props.cashier?.name ?? 'Cashier', money(float)), props.onChanged); }}>
            <label>
              {t('shift.float')}
              <input name="opening-float" inputMode="decimal" value={float} onInput={(e) => setFloat(e.currentTarget.value)} />
            </label>
            <button type="submit" class="primary" disabled={!float.trim()}>{t('shift.open')}</button>
          </form>
        )}
        {open && (
          <>
            <Report report={open} />
            <form class="row" onSubmit={(e) => e.preventDefault()}>
              <label>
                {t('shift.cashAmount')}
                <input name="cash-amount" inputMode="decimal" value={cashAmount} onInput={(e) => setCashAmount(e.currentTarget.value)} />
              </label>
              <label>
                {t('shift.cashReason')}
                <input name="cash-reason" value={cashReason} onInput={(e) => setCashReason(e.currentTarget.value)} />
              </label>
              <button type="button" disabled={!cashAmount || !cashReason} onClick={() => run(() => api.moveCash('in', money(cashAmount), cashReason), props.onChanged)}>{t('shift.cashIn')}</button>
              <button type="button" disabled={!cashAmount || !cashReason} onClick={() => run(() => api.moveCash('out', money(cashAmount), cashReason), props.onChanged)}>{t('shift.cashOut')}</button>
            </form>
            <form class="row" onSubmit={(e) => { e.preventDefault(); run(() => api.closeShift(money(counted)), (r) => { setClosed(r); props.onChanged(null); }); }}>
              <label>
                {t('shift.counted')}
                <input name="counted-cash" inputMode="decimal" value={counted} onInput={(e) => setCounted(e.currentTarget.value)} />
              </label>
              <button type="submit" class="primary" disabled={!counted.trim()}>{t('shift.close')}</button>
            </form>
          </>
        )}
        <Notice notice={error ? { kind: 'error', text: error } : null} />
        <div class="row">
          <button type="button" onClick={props.onStockTake}>{t('sale.stockTake')}</button>
          <button type="button" onClick={props.onGoodsIn}>{t('goods.button')}</button>
          <button type="button" onClick={props.onTransfers}>{t('transfers.button')}</button>
          <button type="button" onClick={props.onStockAlerts}>{t('alerts.button')}</button>
          <button type="button" onClick={props.onBack}>{t('common.back')}</button>
        </div>
      </section>
    </main>
  );
}
