// Stock takes: the store's counts under way on every till, starting one (a
// manager's), counting by scan into the bin being counted, recounts, and a
// manager's approval. A scan while this screen is up counts into the open
// take (it never lands on a bill).

import { useEffect, useRef, useState } from 'preact/hooks';
import { AgentError, api } from '../api';
import { beep } from '../beep';
import type { Approval, TakeSheet } from '../generated';
import { useArrivalFocus } from '../focus';
import { useKeys } from '../keys';
import { t } from '../messages';
import { Notice, type NoticeState } from '../components/Dialog';

/** A take's state in words. */
function stateWords(state: string): string {
  if (state === 'approved') return t('stock.state.approved');
  if (state === 'cancelled') return t('stock.state.cancelled');
  return t('stock.state.counting');
}

/** What waits for a manager's code and PIN. */
type Action = 'start' | 'approve' | 'cancel';
type Pending = { what: Action } | null;

export function StockTakeScreen(props: {
  onBack: () => void;
  scanned: { text: string; seq: number } | null;
  /** Every scan not yet taken, in order. */
  drain: () => string[];
}) {
  const [takes, setTakes] = useState<TakeSheet[] | null>(null);
  const [open, setOpen] = useState<TakeSheet | null>(null);
  const [name, setName] = useState('');
  const [spotCheck, setSpotCheck] = useState(false);
  const [blind, setBlind] = useState(false);
  const [bin, setBin] = useState('');
  const [code, setCode] = useState('');
  const [qty, setQty] = useState('');
  const [notice, setNotice] = useState<NoticeState>(null);
  const [pending, setPending] = useState<Pending>(null);
  const [manager, setManager] = useState({ code: '', pin: '' });
  const rootRef = useArrivalFocus<HTMLElement>(open?.take_id ?? null);
  useKeys({ Escape: () => (open ? setOpen(null) : props.onBack()) });

  const fail = (e: unknown, what: Action | null = null) => {
    const err = e as AgentError;
    if (err.field === 'approval' && what) {
      // First ask: for a manager; a code and PIN already given: why not.
      setNotice({ kind: 'error', text: pending ? err.forCashier : t('stock.managerNeeded') });
      setPending({ what });
      return;
    }
    beep('error');
    setNotice({ kind: 'error', text: err.forCashier });
  };
  const reload = async (keep: string | null = open?.take_id ?? null) => {
    try {
      const all = await api.stockTakes();
      setTakes(all);
      setOpen(keep ? (all.find((s) => s.take_id === keep) ?? null) : null);
    } catch (e) {
      fail(e);
    }
  };
  useEffect(() => void reload(), []);

  const approval = (): Approval | undefined =>
    pending && manager.code.trim() ? { code: manager.code.trim(), pin: manager.pin } : undefined;
  const done = () => {
    setPending(null);
    setManager({ code: '', pin: '' });
  };

  const start = async (e?: Event) => {
    e?.preventDefault();
    setNotice(null);
    try {
      const sheet = await api.startStockTake({ name: name.trim(), scope: spotCheck ? { kind: 'counted' } : { kind: 'store' }, blind, approval: approval() });
      done();
      setName('');
      setOpen(sheet);
      void reload(sheet.take_id);
    } catch (err) {
      fail(err, 'start');
    }
  };

  const count = async (text: string, typedQty?: string) => {
    if (!open) {
      beep('error');
      setNotice({ kind: 'error', text: t('stock.openFirst') });
      return;
    }
    setNotice(null);
    try {
      const counted = await api.countScan(open.take_id, { code: text, bin: bin.trim() || undefined, qty: typedQty?.trim() || undefined });
      beep('ok');
      setNotice({ kind: 'info', text: counted.message });
      setCode('');
      setQty('');
      setOpen(await api.stockTake(open.take_id));
    } catch (err) {
      fail(err);
    }
  };
  // A scan while here counts into the take open on the screen.
  // One scan at a time, in the order scanned: each answer is the sheet as
  // it stands after that scan, so the last one shown is the last counted.
  const scans = useRef(Promise.resolve());
  useEffect(() => {
    for (const text of props.drain()) scans.current = scans.current.then(() => count(text.trim())).catch(() => undefined);
  }, [props.scanned?.seq]);

  // A recount: this till's count of the item in the bin on the screen
  // becomes the quantity typed (none typed: taken back).
  const recount = async (variantId: string, itemName: string) => {
    if (!open) return;
    setNotice(null);
    const typed = qty.trim() || '0';
    try {
      setOpen(await api.setCount(open.take_id, { variant_id: variantId, bin: bin.trim() || undefined, qty: typed }));
      setQty('');
      setNotice({ kind: 'info', text: t('stock.recounted', { name: itemName, qty: typed, bin: bin.trim() || '—' }) });
    } catch (err) {
      fail(err);
    }
  };

  const close = async (what: 'approve' | 'cancel') => {
    if (!open) return;
    setNotice(null);
    try {
      if (what === 'approve') {
        const approved = await api.approveStockTake(open.take_id, approval());
        setNotice({ kind: 'info', text: t('stock.approved', { adjusted: approved.adjusted, missing: approved.missing, found: approved.found }) });
        setOpen(approved.sheet);
      } else {
        setOpen(await api.cancelStockTake(open.take_id, approval()));
      }
      done();
      void reload(open.take_id);
    } catch (err) {
      fail(err, what);
    }
  };

  const managerForm = pending && (
    <form
      class="row"
      data-testid="manager-approval"
      onSubmit={(e) => {
        e.preventDefault();
        void (pending.what === 'start' ? start() : close(pending.what));
      }}
    >
      <label>
        {t('stock.managerCode')}
        <input name="manager-code" value={manager.code} autoFocus onInput={(e) => setManager({ ...manager, code: e.currentTarget.value })} />
      </label>
      <label>
        {t('stock.managerPin')}
        <input name="manager-pin" type="password" inputMode="numeric" value={manager.pin} onInput={(e) => setManager({ ...manager, pin: e.currentTarget.value })} />
      </label>
      <button type="submit" class="primary">{t('stock.confirm')}</button>
    </form>
  );

  if (open) {
    const counting = open.state === 'counting';
    // Keyed: the count's fields are never the list's fields reused.
    return (
      <main class="list-screen" ref={rootRef} key={open.take_id}>
        <section class="card">
          <h1>{counting ? t('stock.counting', { name: open.name }) : t('stock.named', { name: open.name })}</h1>
          <p class="muted" data-testid="take-state">
            {stateWords(open.state)}
            {open.blind ? ` · ${t('stock.blind')}` : ''}
            {open.closed ? ` · ${open.closed.by.name}` : ''}
          </p>
          {open.note && <p class="warning" data-testid="take-note">{open.note}</p>}
          {counting && (
            <form
              class="row"
              onSubmit={(e) => {
                e.preventDefault();
                if (code.trim()) void count(code.trim(), qty);
              }}
            >
              <label>
                {t('stock.bin')}
                <input name="bin" value={bin} onInput={(e) => setBin(e.currentTarget.value)} />
              </label>
              <label>
                {t('stock.code')}
                <input name="count-code" value={code} autoFocus onInput={(e) => setCode(e.currentTarget.value)} />
              </label>
              <label>
                {t('stock.qty')}
                <input name="count-qty" class="qty" inputMode="decimal" value={qty} placeholder="1" onInput={(e) => setQty(e.currentTarget.value)} />
              </label>
              <button type="submit" disabled={!code.trim()}>{t('stock.count')}</button>
            </form>
          )}
          <table class="lines" data-testid="counted">
            <thead>
              <tr>
                <th scope="col">{t('sale.item')}</th>
                <th scope="col">{t('stock.bins')}</th>
                <th scope="col" class="num">{t('stock.counted')}</th>
                {open.expected_shown && <th scope="col" class="num">{t('stock.expected')}</th>}
                {open.expected_shown && <th scope="col" class="num">{t('stock.variance')}</th>}
                {counting && <th scope="col"><span class="sr-only">{t('stock.recount')}</span></th>}
              </tr>
            </thead>
            <tbody>
              {open.items.map((i) => (
                <tr key={i.variant_id} data-variant={i.variant_id}>
                  <td>{i.name}</td>
                  <td>{i.bins.map((b) => `${b.bin || '—'}: ${b.qty}`).join(', ')}</td>
                  <td class="num">{i.counted}</td>
                  {open.expected_shown && <td class="num">{i.expected}</td>}
                  {open.expected_shown && <td class={`num ${i.variance?.startsWith('-') ? 'warning' : ''}`}>{i.variance}</td>}
                  {counting && (
                    <td>
                      <button type="button" aria-label={t('stock.recountNamed', { name: i.name })} onClick={() => void recount(i.variant_id, i.name)}>
                        {t('stock.recount')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          {open.uncounted.count > 0 && (
            <p class="warning" data-testid="uncounted">
              {t('stock.uncounted', { n: open.uncounted.count })}
              {open.uncounted.items.length > 0 && `: ${open.uncounted.items.slice(0, 5).map((i) => i.name).join(', ')}`}
            </p>
          )}
          {managerForm}
          <Notice notice={notice} />
          {counting && (
            <div class="row">
              <button type="button" class="primary" onClick={() => void close('approve')}>{t('stock.approve')}</button>
              <button type="button" onClick={() => void close('cancel')}>{t('stock.cancelTake')}</button>
            </div>
          )}
          <button type="button" onClick={() => setOpen(null)}>{t('common.back')}</button>
        </section>
      </main>
    );
  }

  return (
    <main class="list-screen" ref={rootRef} key="takes">
      <section class="card">
        <h1>{t('stock.title')}</h1>
        {takes && takes.length === 0 && <p>{t('stock.none')}</p>}
        <ul class="held" data-testid="stock-takes">
          {(takes ?? []).map((s) => (
            <li key={s.take_id} data-take={s.take_id}>
              <div class="held-what">
                <strong>{s.name}</strong>
                <div class="muted">
                  {stateWords(s.state)} · {s.items.length === 1 ? t('stock.itemCounted') : t('stock.itemsCounted', { n: s.items.length })} · {t('stock.startedBy', { who: s.started_by.name })}
                </div>
              </div>
              <button type="button" class="primary" aria-label={t('stock.openNamed', { name: s.name })} onClick={() => setOpen(s)}>
                {s.state === 'counting' ? t('stock.open') : t('stock.view')}
              </button>
            </li>
          ))}
        </ul>
        <form onSubmit={start}>
          <h2>{t('stock.start')}</h2>
          <label>
            {t('stock.name')}
            <input name="take-name" value={name} maxLength={80} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label class="inline">
            <input type="checkbox" name="spot-check" checked={spotCheck} onChange={(e) => setSpotCheck(e.currentTarget.checked)} /> {t('stock.spotCheck')}
          </label>
          <label class="inline">
            <input type="checkbox" name="blind" checked={blind} onChange={(e) => setBlind(e.currentTarget.checked)} /> {t('stock.blindCount')}
          </label>
          <button type="submit" disabled={!name.trim()}>{t('stock.startButton')}</button>
        </form>
        {managerForm}
        <Notice notice={notice} />
        <button type="button" onClick={props.onBack}>{t('common.back')}</button>
      </section>
    </main>
  );
}
