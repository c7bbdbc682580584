// Transfers: what HQ asked this store to send, and what is on its way here.
// One is opened, its goods scanned out (or in, by the batches that were
// sent), a count set again when a case was miscounted, and it is dispatched
// or received: the stock moves at once, offline too. A scan while this
// screen is up counts into the transfer open on it (never onto a bill).

import { useEffect, useRef, useState } from 'preact/hooks';
import { AgentError, api } from '../api';
import { beep } from '../beep';
import type { TransferSheet, TransfersAtStore } from '../generated';
import { useArrivalFocus } from '../focus';
import { useKeys } from '../keys';
import { t } from '../messages';
import { Notice, type NoticeState } from '../components/Dialog';
import { when } from '../clock';



function TransferList(props: { sheets: TransferSheet[]; testid: string; empty: string; onOpen: (s: TransferSheet) => void }) {
  if (props.sheets.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <ul class="held" data-testid={props.testid}>
      {props.sheets.map((s) => (
        <li key={s.id} data-transfer={s.id}>
          <div class="held-what">
            <strong>{s.name}</strong>
            <div class="muted">
              {t(s.direction === 'send' ? 'transfers.sendLine' : 'transfers.receiveLine', {
                qty: s.expected,
                store: s.other_store,
                when: when(s.since),
              })}
              {s.note ? ` · ${s.note}` : ''}
            </div>
          </div>
          <button
            type="button"
            class="primary"
            aria-label={t(s.direction === 'send' ? 'transfers.sendNamed' : 'transfers.receiveNamed', { name: s.name, store: s.other_store })}
            onClick={() => props.onOpen(s)}
          >
            {t(s.direction === 'send' ? 'transfers.send' : 'transfers.receive')}
          </button>
        </li>
      ))}
    </ul>
  );
}

export function TransfersScreen(props: {
  onBack: () => void;
  scanned: { text: string; seq: number } | null;
  /** Every scan not yet taken, in order. */
  drain: () => string[];
}) {
  const [list, setList] = useState<TransfersAtStore | null>(null);
  const [open, setOpen] = useState<TransferSheet | null>(null);
  const [code, setCode] = useState('');
  const [qty, setQty] = useState('');
  const [notice, setNotice] = useState<NoticeState>(null);
  // Receiving with nothing counted, or less than expected, takes a second press.
  const [confirm, setConfirm] = useState(false);
  // The scanner types where the cursor is: back in the barcode field after
  // each count, on Back once the transfer is done.
  const codeRef = useRef<HTMLInputElement>(null);
  const backRef = useRef<HTMLButtonElement>(null);
  const refocus = () => setTimeout(() => (codeRef.current ?? backRef.current)?.focus(), 0);
  const rootRef = useArrivalFocus<HTMLElement>(open?.id ?? null);
  // Opening or leaving a transfer starts clean: nothing typed or said for
  // one is carried to the next.
  const show = (sheet: TransferSheet | null) => {
    setCode('');
    setQty('');
    setNotice(null);
    setConfirm(false);
    setOpen(sheet);
  };
  useKeys({ Escape: () => (open ? show(null) : props.onBack()) });

  const fail = (e: unknown) => {
    beep('error');
    setNotice({ kind: 'error', text: (e as AgentError).forCashier });
  };
  const reload = async () => {
    try {
      setList(await api.transfers());
    } catch (e) {
      fail(e);
    }
  };
  useEffect(() => void reload(), []);

  const counting = open !== null && !open.done_here;
  const take = async (text: string) => {
    if (!open || !counting) {
      beep('error');
      setNotice({ kind: 'error', text: t('transfers.openFirst') });
      return;
    }
    setNotice(null);
    try {
      const taken = await api.transferScan(open.id, { code: text, qty: qty.trim() || undefined });
      beep('ok');
      setNotice({ kind: 'info', text: taken.message });
      setCode('');
      setQty('');
      setConfirm(false);
      setOpen(taken.sheet);
    } catch (e) {
      fail(e);
    }
    refocus();
  };
  // One scan at a time, in the order scanned: each answer is the sheet as
  // it stands after that scan, so the last one shown is the last counted.
  const scans = useRef(Promise.resolve());
  useEffect(() => {
    for (const text of props.drain()) scans.current = scans.current.then(() => take(text.trim())).catch(() => undefined);
  }, [props.scanned?.seq]);

  const recount = async (batchCode: string | undefined, name: string) => {
    if (!open) return;
    const typed = qty.trim();
    if (!typed) {
      beep('error');
      setNotice({ kind: 'error', text: t('goods.typeQtyFirst') });
      return;
    }
    setNotice(null);
    try {
      setOpen(await api.setTransferCount(open.id, { batch_code: batchCode, qty: typed }));
      setQty('');
      setConfirm(false);
      setNotice({ kind: 'info', text: t('transfers.recounted', { name, qty: typed }) });
    } catch (e) {
      fail(e);
    }
    refocus();
  };

  const finish = async () => {
    if (!open) return;
    const short = open.counted !== open.expected;
    if (short && !confirm) {
      setConfirm(true);
      setNotice({
        kind: 'error',
        text: t(open.direction === 'send' ? 'transfers.confirmShortSend' : 'transfers.confirmShort', {
          counted: open.counted,
          expected: open.expected,
        }),
      });
      return;
    }
    setConfirm(false);
    setNotice(null);
    try {
      const sheet =
        open.direction === 'send'
          ? await api.dispatchTransfer(open.id)
          : await api.receiveTransfer(open.id, { nothing_arrived: open.counted === '0' || undefined });
      beep('ok');
      setOpen(sheet);
      const done = sheet.done_here?.qty ?? sheet.counted;
      const words = t(open.direction === 'send' ? 'transfers.dispatched' : 'transfers.received', {
        qty: done,
        store: sheet.other_store,
      });
      setNotice({
        kind: 'info',
        text: done === sheet.expected ? words : `${words} ${t(open.direction === 'send' ? 'transfers.lessSent' : 'transfers.short', { expected: sheet.expected })}`,
      });
      void reload();
    } catch (e) {
      fail(e);
    }
    refocus();
  };

  if (open) {
    const send = open.direction === 'send';
    return (
      <main class="list-screen" ref={rootRef} key={open.id}>
        <section class="card">
          <h1>{t(send ? 'transfers.sending' : 'transfers.receiving', { name: open.name, store: open.other_store })}</h1>
          <p class="muted" data-testid="transfer-state">
            {t(send ? 'transfers.askedFor' : 'transfers.sentQty', { qty: open.expected })} · {t('transfers.counted', { qty: open.counted })}
            {open.note ? ` · ${open.note}` : ''}
          </p>
          {open.done_here && (
            <p data-testid="done-here">
              {t(send ? 'transfers.doneOut' : 'transfers.doneIn', { qty: open.done_here.qty, by: open.done_here.by, when: when(open.done_here.at) })}
            </p>
          )}
          {counting && (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                if (code.trim()) void take(code.trim());
              }}
            >
              <div class="row">
                <label>
                  {t('goods.code')}
                  <input name="transfer-code" ref={codeRef} value={code} autoFocus onInput={(e) => setCode(e.currentTarget.value)} />
                </label>
                <label>
                  {t('goods.qty')}
                  <input name="transfer-qty" class="qty" inputMode="decimal" value={qty} placeholder="1" onInput={(e) => setQty(e.currentTarget.value)} />
                </label>
                <button type="submit" disabled={!code.trim()}>{t('transfers.count')}</button>
              </div>
            </form>
          )}
          {!send && open.sent_batches && open.sent_batches.length > 0 && (
            <p class="muted" data-testid="sent-batches">
              {t('transfers.sentBatches', {
                batches: open.sent_batches.map((b) => `${b.code} (${b.expires_on}) × ${b.qty}`).join(', '),
              })}
            </p>
          )}
          {open.counts.length > 0 && (
          <table class="lines" data-testid="counted">
            <thead>
              <tr>
                <th scope="col">{send ? t('transfers.goodsCol') : t('goods.batchCol')}</th>
                <th scope="col" class="num">{t('transfers.countedCol')}</th>
                {counting && <th scope="col"><span class="sr-only">{t('goods.recount')}</span></th>}
              </tr>
            </thead>
            <tbody>
              {open.counts.map((c) => (
                <tr key={c.batch?.code ?? ''}>
                  <td>{c.batch ? `${c.batch.code} · ${c.batch.expires_on}` : t(send ? 'transfers.allPacks' : 'transfers.anyBatch')}</td>
                  <td class="num">{c.qty}</td>
                  {counting && (
                    <td>
                      <button
                        type="button"
                        aria-label={t('goods.recountNamed', { name: open.name, batch: c.batch ? t('goods.batchNamed', { code: c.batch.code }) : t('goods.noBatch') })}
                        onClick={() => void recount(c.batch?.code, open.name)}
                      >
                        {t('goods.recount')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          )}
          <Notice notice={notice} />
          {counting && (
            <div class="row">
              <button type="button" class="primary" disabled={send && open.counted === '0'} onClick={() => void finish()}>
                {send
                  ? t(confirm ? 'transfers.dispatchAnyway' : 'transfers.dispatch', { qty: open.counted })
                  : confirm
                    ? t('transfers.receiveAnyway', { qty: open.counted })
                    : t('transfers.receiveCounted', { qty: open.counted })}
              </button>
            </div>
          )}
          <button type="button" ref={backRef} onClick={() => show(null)}>{t('common.back')}</button>
        </section>
      </main>
    );
  }

  return (
    <main class="list-screen" ref={rootRef} key="transfers">
      <section class="card">
        <h1>{t('transfers.title')}</h1>
        <h2>{t('transfers.toSend')}</h2>
        <TransferList sheets={list?.to_send ?? []} testid="to-send" empty={t('transfers.noneToSend')} onOpen={show} />
        <h2>{t('transfers.toReceive')}</h2>
        <TransferList sheets={list?.to_receive ?? []} testid="to-receive" empty={t('transfers.noneToReceive')} onOpen={show} />
        <Notice notice={notice} />
        <button type="button" onClick={props.onBack}>{t('common.back')}</button>
      </section>
    </main>
  );
}
