// Goods in: the purchase orders waiting for this store, taking a delivery
// in by scan (against an order, or from a supplier without one), with the
// batch and expiry the label gives (or typed), damaged packs sent back, a
// recount of a line, and posting it into stock. A scan while this screen is
// up goes into the delivery open on it (it never lands on a bill).

import { useEffect, useRef, useState } from 'preact/hooks';
import { AgentError, api } from '../api';
import { beep } from '../beep';
import type { Batch, ReceiptSheet, Receivable } from '../generated';
import { useArrivalFocus } from '../focus';
import { useKeys } from '../keys';
import { t } from '../messages';
import { Notice, type NoticeState } from '../components/Dialog';
import { when } from '../clock';



function outstandingWords(supplier: string, n: number): string {
  if (n === 0) return t('goods.orderLineNone', { supplier });
  return n === 1 ? t('goods.orderLineOne', { supplier }) : t('goods.orderLine', { supplier, n });
}

function stateWords(state: string): string {
  if (state === 'posted') return t('goods.state.posted');
  if (state === 'cancelled') return t('goods.state.cancelled');
  return t('goods.state.open');
}

export function ReceivingScreen(props: {
  onBack: () => void;
  scanned: { text: string; seq: number } | null;
  /** Every scan not yet taken, in order. */
  drain: () => string[];
}) {
  const [receivable, setReceivable] = useState<Receivable | null>(null);
  const [receipts, setReceipts] = useState<ReceiptSheet[]>([]);
  const [open, setOpen] = useState<ReceiptSheet | null>(null);
  const [billNo, setBillNo] = useState('');
  const [supplier, setSupplier] = useState('');
  const [code, setCode] = useState('');
  const [qty, setQty] = useState('');
  const [damaged, setDamaged] = useState(false);
  const [batch, setBatch] = useState('');
  const [expiry, setExpiry] = useState('');
  // A typed batch is for the next scan only, unless it is kept for a run of
  // packs from the same batch.
  const [keepBatch, setKeepBatch] = useState(false);
  const [notice, setNotice] = useState<NoticeState>(null);
  // A delivery that differs from its order is posted on a second press.
  const [confirmPost, setConfirmPost] = useState(false);
  const rootRef = useArrivalFocus<HTMLElement>(open?.receipt_id ?? null);
  useKeys({ Escape: () => (open ? setOpen(null) : props.onBack()) });

  const fail = (e: unknown) => {
    beep('error');
    setNotice({ kind: 'error', text: (e as AgentError).forCashier });
  };
  const reload = async () => {
    try {
      const [r, list] = await Promise.all([api.receivable(), api.goodsReceipts()]);
      setReceivable(r);
      setReceipts(list);
    } catch (e) {
      fail(e);
    }
  };
  useEffect(() => void reload(), []);

  const start = async (body: { po_id?: string; supplier_id?: string }) => {
    setNotice(null);
    try {
      const sheet = await api.startGoodsReceipt({ ...body, bill_no: billNo.trim() || undefined });
      setBillNo('');
      setOpen(sheet);
    } catch (e) {
      fail(e);
    }
  };

  const typedBatch = (): Batch | undefined =>
    batch.trim() ? { code: batch.trim(), expires_on: expiry.trim() } : undefined;

  const take = async (text: string) => {
    if (!open || open.state !== 'open') {
      beep('error');
      setNotice({ kind: 'error', text: t('goods.openFirst') });
      return;
    }
    setNotice(null);
    try {
      const taken = await api.receiveScan(open.receipt_id, {
        code: text,
        qty: qty.trim() || undefined,
        batch: typedBatch(),
        damaged: damaged || undefined,
      });
      beep('ok');
      setNotice({ kind: 'info', text: taken.message });
      setCode('');
      setQty('');
      setDamaged(false);
      if (!keepBatch) {
        setBatch('');
        setExpiry('');
      }
      setConfirmPost(false);
      setOpen(await api.goodsReceipt(open.receipt_id));
    } catch (e) {
      fail(e);
    }
  };
  // One scan at a time, in the order scanned: each answer is the sheet as
  // it stands after that scan, so the last one shown is the last counted.
  const scans = useRef(Promise.resolve());
  useEffect(() => {
    for (const text of props.drain()) scans.current = scans.current.then(() => take(text.trim())).catch(() => undefined);
  }, [props.scanned?.seq]);

  // A recount: the line's received figure (or, with Damaged ticked, its
  // damaged figure) becomes the quantity typed; 0 takes it back.
  const recount = async (line: ReceiptSheet['lines'][number]) => {
    if (!open) return;
    const typed = qty.trim();
    if (!typed) {
      beep('error');
      setNotice({ kind: 'error', text: t('goods.typeQtyFirst') });
      return;
    }
    setNotice(null);
    try {
      setOpen(
        await api.setReceiptLine(open.receipt_id, {
          variant_id: line.variant_id,
          batch: line.batch,
          received: damaged ? line.received : typed,
          damaged: damaged ? typed : line.damaged,
        }),
      );
      setQty('');
      setDamaged(false);
      setConfirmPost(false);
      setNotice({ kind: 'info', text: t(damaged ? 'goods.recountedDamaged' : 'goods.recounted', { name: line.name, qty: typed }) });
    } catch (e) {
      fail(e);
    }
  };

  const finish = async (what: 'post' | 'cancel') => {
    if (!open) return;
    if (what === 'post' && open.differs && !confirmPost) {
      setConfirmPost(true);
      setNotice({ kind: 'error', text: t('goods.confirmPost') });
      return;
    }
    setConfirmPost(false);
    setNotice(null);
    try {
      const sheet = what === 'post' ? await api.postGoodsReceipt(open.receipt_id) : await api.cancelGoodsReceipt(open.receipt_id);
      setOpen(sheet);
      if (what === 'post') {
        beep('ok');
        setNotice({ kind: 'info', text: t('goods.posted', { received: sheet.lines_received, damaged: sheet.lines_damaged }) });
      }
      void reload();
    } catch (e) {
      fail(e);
    }
  };

  if (open) {
    const receiving = open.state === 'open';
    return (
      <main class="list-screen" ref={rootRef} key={open.receipt_id}>
        <section class="card">
          <h1>
            {t(receiving ? 'goods.receiving' : open.state === 'posted' ? 'goods.receivedHeading' : 'goods.cancelledHeading', {
              what: open.po_number ?? t('goods.noOrder'),
              supplier: open.supplier_name,
            })}
          </h1>
          <p class="muted" data-testid="receipt-state">
            {stateWords(open.state)}
            {open.bill_no ? ` · ${open.bill_no}` : ''}
            {open.closed_by ? ` · ${open.closed_by}` : ''}
          </p>
          {receiving && (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                if (code.trim()) void take(code.trim());
              }}
            >
              <div class="row">
                <label>
                  {t('goods.code')}
                  <input name="receive-code" value={code} autoFocus onInput={(e) => setCode(e.currentTarget.value)} />
                </label>
                <label>
                  {t('goods.qty')}
                  <input name="receive-qty" class="qty" inputMode="decimal" value={qty} placeholder="1" onInput={(e) => setQty(e.currentTarget.value)} />
                </label>
                <label class="inline">
                  <input type="checkbox" name="damaged" checked={damaged} onChange={(e) => setDamaged(e.currentTarget.checked)} /> {t('goods.damaged')}
                </label>
              </div>
              <div class="row">
                <label>
                  {t('goods.batch')}
                  <input name="batch" value={batch} maxLength={40} onInput={(e) => setBatch(e.currentTarget.value)} />
                </label>
                <label>
                  {t('goods.expiry')}
                  <input name="expiry" value={expiry} placeholder="2027-03-31" onInput={(e) => setExpiry(e.currentTarget.value)} />
                </label>
                <label class="inline">
                  <input type="checkbox" name="keep-batch" checked={keepBatch} onChange={(e) => setKeepBatch(e.currentTarget.checked)} /> {t('goods.keepBatch')}
                </label>
                <button type="submit" disabled={!code.trim()}>{t('goods.take')}</button>
              </div>
            </form>
          )}
          <h2>{t('goods.lines')}</h2>
          <table class="lines" data-testid="delivered">
            <thead>
              <tr>
                <th scope="col">{t('sale.item')}</th>
                <th scope="col">{t('goods.batchCol')}</th>
                <th scope="col" class="num">{t('goods.received')}</th>
                <th scope="col" class="num">{t('goods.damagedCol')}</th>
                {receiving && <th scope="col"><span class="sr-only">{t('goods.recount')}</span></th>}
              </tr>
            </thead>
            <tbody>
              {open.lines.map((l) => (
                <tr key={`${l.variant_id}/${l.batch?.code ?? ''}`} data-variant={l.variant_id}>
                  <td>{l.name}</td>
                  <td>{l.batch ? `${l.batch.code} · ${l.batch.expires_on}` : '—'}</td>
                  <td class="num">{l.received}</td>
                  <td class="num">{l.damaged}</td>
                  {receiving && (
                    <td>
                      <button type="button" aria-label={t('goods.recountNamed', { name: l.name, batch: l.batch ? t('goods.batchNamed', { code: l.batch.code }) : t('goods.noBatch') })} onClick={() => void recount(l)}>
                        {t('goods.recount')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          {open.against_order.length > 0 && (
            <>
              <h2>{t('goods.against')}</h2>
              <table class="lines" data-testid="against-order">
                <thead>
                  <tr>
                    <th scope="col">{t('sale.item')}</th>
                    <th scope="col" class="num">{t('goods.ordered')}</th>
                    <th scope="col" class="num">{t('goods.before')}</th>
                    <th scope="col" class="num">{t('goods.now')}</th>
                    <th scope="col" class="num">{t('goods.damagedCol')}</th>
                    <th scope="col" class="num">{t('goods.short')}</th>
                    <th scope="col" class="num">{t('goods.excess')}</th>
                  </tr>
                </thead>
                <tbody>
                  {open.against_order.map((a) => (
                    <tr key={a.variant_id} data-variant={a.variant_id}>
                      <td>{a.name}</td>
                      <td class="num">{a.ordered}</td>
                      <td class="num">{a.before}</td>
                      <td class="num">{a.now}</td>
                      <td class={`num ${a.damaged !== '0' ? 'warning' : ''}`}>{a.damaged}</td>
                      <td class={`num ${a.short !== '0' ? 'warning' : ''}`}>{a.short}</td>
                      <td class={`num ${a.excess !== '0' ? 'warning' : ''}`}>{a.excess}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {open.differs && <p class="warning" data-testid="differs">{t('goods.differs')}</p>}
          <Notice notice={notice} />
          {receiving && (
            <div class="row">
              <button type="button" class="primary" disabled={open.lines.length === 0} onClick={() => void finish('post')}>
                {confirmPost ? t('goods.postAnyway') : t('goods.post')}
              </button>
              <button type="button" onClick={() => void finish('cancel')}>{t('goods.cancel')}</button>
            </div>
          )}
          <button type="button" onClick={() => setOpen(null)}>{t('common.back')}</button>
        </section>
      </main>
    );
  }

  const suppliers = receivable?.suppliers ?? [];
  return (
    <main class="list-screen" ref={rootRef} key="goods">
      <section class="card">
        <h1>{t('goods.title')}</h1>
        <label>
          {t('goods.billNo')}
          <input name="bill-no" value={billNo} maxLength={40} onInput={(e) => setBillNo(e.currentTarget.value)} />
        </label>
        <h2>{t('goods.orders')}</h2>
        {receivable && receivable.orders.length === 0 && <p>{t('goods.noOrders')}</p>}
        <ul class="held" data-testid="orders">
          {(receivable?.orders ?? []).map((o) => (
            <li key={o.po_id} data-po={o.po_id}>
              <div class="held-what">
                <strong>{o.number}</strong>
                <div class="muted">
                  {outstandingWords(o.supplier_name, o.items.filter((i) => i.outstanding !== '0').length)}
                  {o.expected_on ? ` · ${t('goods.due', { day: o.expected_on })}` : ''}
                </div>
              </div>
              <button type="button" class="primary" aria-label={t('goods.receiveNamed', { number: o.number, supplier: o.supplier_name })} onClick={() => void start({ po_id: o.po_id })}>
                {t('goods.receive')}
              </button>
            </li>
          ))}
        </ul>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (supplier) void start({ supplier_id: supplier });
          }}
        >
          <h2>{t('goods.withoutOrder')}</h2>
          <label>
            {t('goods.supplier')}
            <select name="supplier" value={supplier} onChange={(e) => setSupplier(e.currentTarget.value)}>
              <option value="">{t('goods.pickSupplier')}</option>
              {suppliers.map((s) => (
                <option key={s.supplier_id} value={s.supplier_id}>{s.name}</option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={!supplier}>{t('goods.receive')}</button>
        </form>
        {receivable && suppliers.length === 0 && <p class="muted">{t('goods.noSuppliers')}</p>}
        {receipts.length > 0 && (
          <>
            <h2>{t('goods.recent')}</h2>
            <ul class="held" data-testid="receipts">
              {receipts.map((r) => (
                <li key={r.receipt_id} data-receipt={r.receipt_id}>
                  <div class="held-what">
                    <strong>{r.po_number ?? r.supplier_name}</strong>
                    <div class="muted">
                      {stateWords(r.state)} · {r.supplier_name}
                      {r.bill_no ? ` · ${r.bill_no}` : ''} · {when(r.started_at)}
                    </div>
                  </div>
                  <button
                    type="button"
                    aria-label={t('goods.openNamed', { what: r.po_number ?? r.supplier_name, when: when(r.started_at) })}
                    onClick={() => {
                      setConfirmPost(false);
                      setOpen(r);
                    }}
                  >
                    {r.state === 'open' ? t('goods.continue') : t('goods.view')}
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
        <Notice notice={notice} />
        <button type="button" onClick={props.onBack}>{t('common.back')}</button>
      </section>
    </main>
  );
}
