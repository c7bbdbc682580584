// The till application: who is signed in, which screen is up, the bill being
// rung up and its quote, and the live link to the agent (status and scans).

import { useEffect, useRef, useState } from 'preact/hooks';
import { AgentError, api, withoutParserDetail, type TillSettings } from './api';
import { beep, unlockAudioOnGesture } from './beep';
import type { Approval, HeldBill, PrinterView, ProductView, QuickKeyPage, SaleFact, SaleQuote, ScanEvent, ShiftReport, SignedIn, SyncStatus } from './generated';
import { addLabelled, addProduct, emptyCart, estimatePaise, lineRequests, loadCart, MAX_LINE_QTY, qtyProblem, saveCart, setLineDiscount, setQty, stepQty, voidLine, type Cart } from './cart';
import { cartFromHeld } from './held';
import { CustomerDialog } from './components/CustomerDialog';
import { ApprovalDialog, DiscountDialog, HoldDialog, ModifierDialog } from './components/dialogs';
import { Dialog, Notice, type NoticeState } from './components/Dialog';
import { StatusBar } from './components/StatusBar';
import { formatPaise, inr } from './money';
import { showOnDisplay } from './display/publish';
import { t } from './messages';
import { DevicesScreen } from './screens/Devices';
import { HeldScreen } from './screens/Held';
import { Login } from './screens/Login';
import { ReceiptScreen } from './screens/Receipt';
import { ReturnsScreen } from './screens/Returns';
import { SaleScreen, type ScanFlash } from './screens/Sale';
import { ShiftScreen } from './screens/Shift';
import { StockTakeScreen } from './screens/StockTake';
import { ReceivingScreen } from './screens/Receiving';
import { TransfersScreen } from './screens/Transfers';
import { StockAlertsScreen } from './screens/StockAlerts';
import { TenderScreen } from './screens/Tender';
import { listenForWedgeScans } from './wedge';
import { localDay } from './clock';


type Screen =
  | { name: 'loading' }
  | { name: 'login' }
  | { name: 'sale' }
  | { name: 'tender'; quote: SaleQuote }
  | { name: 'receipt'; sale: SaleFact }
  | { name: 'held' }
  | { name: 'returns'; scanned: { text: string; seq: number } | null }
  | { name: 'shift' }
  | { name: 'devices' }
  | { name: 'stock'; scanned: { text: string; seq: number } | null }
  | { name: 'goods'; scanned: { text: string; seq: number } | null }
  | { name: 'transfers'; scanned: { text: string; seq: number } | null }
  | { name: 'alerts' };

type DialogState =
  | { kind: 'modifiers'; product: ProductView; count: number }
  | { kind: 'discount'; lineId?: number }
  | { kind: 'approval'; why: string }
  | { kind: 'expired'; product: ProductView; code: string; date: string }
  | { kind: 'customer' }
  | { kind: 'hold' }
  | null;

/** A notice on the bill; `fromQuote` marks the pricing's own refusal, which a later price clears. */
type BillNotice = (NonNullable<NoticeState> & { fromQuote?: boolean }) | null;

/** A scan as it reaches the bill: typed by a wedge, or pushed by the agent already resolved. */
interface Scan {
  text: string;
  product?: ProductView;
  problem?: string;
}

export function App() {
  const [screen, setScreen] = useState<Screen>({ name: 'loading' });
  const [cashier, setCashier] = useState<SignedIn | null>(null);
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [agentUp, setAgentUp] = useState(true);
  const [printer, setPrinter] = useState<PrinterView | null>(null);
  const [shift, setShift] = useState<ShiftReport | null>(null);
  const [settings, setSettings] = useState<TillSettings | null>(null);
  const [quickKeys, setQuickKeys] = useState<QuickKeyPage[]>([]);
  const [cart, setCart] = useState<Cart>(loadCart);
  const [quote, setQuote] = useState<SaleQuote | null>(null);
  const [dialog, setDialog] = useState<DialogState>(null);
  const [notice, setNotice] = useState<BillNotice>(null);
  const [flash, setFlash] = useState<ScanFlash | null>(null);
  /** What sells with the item last put on the bill, as the agent offers it. */
  const [addOns, setAddOns] = useState<{ name: string; items: ProductView[] } | null>(null);
  const addOnsAsked = useRef(0);
  /** Whether the item being put on the bill was taken from the hint. */
  const fromHint = useRef(false);
  /** A sign-in is on its way to the agent. */
  const signingIn = useRef(false);
  const [multiplier, setMultiplier] = useState<number | null>(null);
  const [catalogVersion, setCatalogVersion] = useState(0);
  const screenRef = useRef(screen);
  screenRef.current = screen;
  const dialogRef = useRef(dialog);
  dialogRef.current = dialog;
  const multiplierRef = useRef(multiplier);
  multiplierRef.current = multiplier;
  /** Scans that came while a dialog was open, added when it closes. */
  const waiting = useRef<Scan[]>([]);
  const flashSeq = useRef(0);
  /** Scans for the screen on show that counts them (stock take, goods in,
   * transfers), in order: a burst can arrive between two renders, and the
   * screen takes every one of them, not the last. */
  const screenScans = useRef<string[]>([]);
  const drainScans = () => screenScans.current.splice(0);

  const maxQty = settings ? Number(settings.max_line_qty) || MAX_LINE_QTY : MAX_LINE_QTY;
  const shiftOpen = !!shift && !shift.closed_at;
  const shiftNeeded = (settings?.require_open_shift ?? false) && !shiftOpen;

  const fail = (e: unknown) => setNotice({ kind: 'error', text: (e as AgentError).forCashier });
  /** The cursor back in search once the screen has drawn (after a void, a hold, a dialog). */
  const backToSearch = () => requestAnimationFrame(() => document.getElementById('search')?.focus());
  const refuse = (text: string) => {
    beep('error');
    // The green "Added …" of an earlier scan would contradict the refusal.
    setFlash(null);
    setNotice({ kind: 'error', text });
  };
  const loadShift = () =>
    api.shift().then(setShift, (e: AgentError) => {
      if (e.type === 'no_open_shift' || e.type === 'not_enrolled') setShift(null);
    });
  const go = (next: Screen) => {
    // A message belongs to the screen it was said on, and so do its scans.
    setNotice(null);
    if (next.name !== screenRef.current.name) screenScans.current = [];
    setScreen(next);
  };

  // Start-up: who is signed in, the till's settings, the shift.
  useEffect(() => {
    unlockAudioOnGesture();
    api.session().then(
      (s) => {
        setCashier(s);
        setScreen(s ? { name: 'sale' } : { name: 'login' });
      },
      (e) => {
        fail(e);
        setScreen({ name: 'login' });
      },
    );
    api.settings().then(setSettings, () => undefined);
    loadShift();
  }, []);

  // The keys follow the catalog: reloaded whenever the feed moves.
  useEffect(() => {
    api.quickKeys().then(setQuickKeys, () => undefined);
  }, [catalogVersion]);

  // Live: status and scans from the agent's event stream. EventSource
  // reconnects by itself when the agent restarts.
  useEffect(() => {
    const events = new EventSource('/v1/events');
    let cursor = -1;
    events.onopen = () => setAgentUp(true);
    events.onerror = () => setAgentUp(false);
    events.addEventListener('sync_status', (e) => {
      const s = JSON.parse((e as MessageEvent).data) as SyncStatus;
      setAgentUp(true);
      setStatus(s);
      if (cursor !== -1 && s.cursor !== cursor) setCatalogVersion((v) => v + 1);
      cursor = s.cursor;
    });
    events.addEventListener('scan', (e) => {
      const scan = JSON.parse((e as MessageEvent).data) as ScanEvent & { product?: ProductView };
      scanned.current({ text: scan.text, product: scan.product, problem: scan.problem ?? undefined });
    });
    return () => events.close();
  }, []);

  // The receipt printer's state and queue, every few seconds.
  useEffect(() => {
    const poll = () =>
      api.printers().then(
        (ps) => setPrinter(ps.find((p) => p.receipts) ?? null),
        () => undefined,
      );
    poll();
    const timer = setInterval(poll, 5000);
    return () => clearInterval(timer);
  }, []);

  // Keyboard-wedge scanners, caught before any field on the page sees a key.
  const scanned = useRef<(scan: Scan) => void>(() => undefined);
  const wedge = useRef<TillSettings | null>(null);
  wedge.current = settings;
  // One listener from the first moment to the last: the scanner's programmed
  // prefix and suffix, once the agent has said them, are read at the next
  // key (a listener started anew would split a scan under way).
  useEffect(
    () =>
      listenForWedgeScans((text) => scanned.current({ text }), () => ({
        prefix: wedge.current?.wedge_prefix ?? null,
        suffix: wedge.current?.wedge_suffix ?? 'Enter',
        onBroken: () => refuse(t('error.scanCut')),
      })),
    [],
  );

  /** Puts `count` of a product on the bill, answering with a tone and a flash of its line. */
  const put = (p: ProductView, count: number, modifiers?: Parameters<typeof addProduct>[2], sellExpired = false) => {
    setCart((c) => addProduct(c, p, modifiers, sellExpired, count));
    beep('ok');
    setFlash({ barcode: p.barcode, seq: ++flashSeq.current, text: count > 1 ? `${count} × ${p.name}` : p.name });
    // An item taken from the hint leaves the hint as it was (less the item).
    if (!fromHint.current) suggestAddOns(p);
  };

  /** Asks what goes with `p`; a later item's answer replaces it, an older one is dropped. A hint: no answer is no hint. */
  const suggestAddOns = (p: ProductView) => {
    const asked = ++addOnsAsked.current;
    api
      .addOns(p.variant_id)
      .then((items) => asked === addOnsAsked.current && setAddOns(items.length ? { name: p.name, items } : null))
      .catch(() => asked === addOnsAsked.current && setAddOns(null));
  };

  /** The count for the next item: the "3 ×" typed before it, used once. */
  const takeCount = (): number => {
    const n = multiplierRef.current ?? 1;
    multiplierRef.current = null;
    setMultiplier(null);
    return n;
  };

  const addWithModifiers = (p: ProductView, count = takeCount(), hinted = false) => {
    fromHint.current = hinted;
    // HQ took it out of this store's assortment or put its stock on hold.
    if (p.not_for_sale) return refuse(t('error.notForSale', { name: p.name, why: p.not_for_sale }));
    setNotice(null);
    if (p.modifiers?.length) setDialog({ kind: 'modifiers', product: p, count });
    else put(p, count);
  };

  const addScanned = async (scan: Scan, count: number) => {
    const code = scan.text;
    if (scan.problem && !scan.product) return refuse(withoutParserDetail(scan.problem));
    try {
      const found = scan.product ? null : await api.byBarcode(code);
      const product = found ? (({ scan: _, ...p }) => p)(found) : scan.product!;
      const read = found?.scan;
      if (read?.expiry && read.expiry < localDay()) {
        // Off the shelf by default; a supervisor may approve selling it.
        beep('error');
        setDialog({ kind: 'expired', product, code, date: read.expiry });
        return;
      }
      // A symbol that carries the weight or the price: the agent prices it.
      if (read && (read.net_weight != null || read.price_minor != null)) return await addCarried(code);
      // A batch, expiry or serial rides on the line: the scan is its barcode.
      const carriesPack = !!read && (read.batch != null || read.expiry != null || read.serial != null);
      addWithModifiers(carriesPack ? { ...product, barcode: code } : product, count);
    } catch (e) {
      const err = e as AgentError;
      if (err.type === 'unknown_barcode') refuse(t('error.unknownBarcode', { barcode: code }));
      else refuse(err.forCashier);
    }
  };

  /** A line whose barcode carries its own weight or price, priced by the agent. */
  const addCarried = async (code: string) => {
    try {
      const q = await api.quote({ lines: [{ barcode: code }], tenders: [] });
      const line = q.lines[0];
      setCart((c) => addLabelled(c, code, line.name, line.qty, line.unit_price.minor));
      beep('ok');
      setFlash({ barcode: code, seq: ++flashSeq.current, text: line.name });
    } catch (e) {
      refuse((e as AgentError).forCashier);
    }
  };

  scanned.current = (scan: Scan) => {
    const s = screenRef.current;
    if (dialogRef.current || s.name === 'loading') {
      waiting.current.push(scan);
      return;
    }
    setNotice(null);
    switch (s.name) {
      case 'login':
        // Scanned while the sign-in is on its way: it goes on the bill once
        // the sale screen is up, or is refused with the sign-in.
        if (signingIn.current) {
          waiting.current.push(scan);
          return;
        }
        return refuse(t('error.signIn'));
      case 'returns':
        return go({ name: 'returns', scanned: { text: scan.text, seq: ++flashSeq.current } });
      case 'stock':
        // Counted into the take on the screen, never put on a bill.
        screenScans.current.push(scan.text);
        return go({ name: 'stock', scanned: { text: scan.text, seq: ++flashSeq.current } });
      case 'goods':
        // Taken into the delivery on the screen, never put on a bill.
        screenScans.current.push(scan.text);
        return go({ name: 'goods', scanned: { text: scan.text, seq: ++flashSeq.current } });
      case 'transfers':
        // Counted into the transfer on the screen, never put on a bill.
        screenScans.current.push(scan.text);
        return go({ name: 'transfers', scanned: { text: scan.text, seq: ++flashSeq.current } });
      case 'sale':
        break;
      default:
        // A scan while paying or on another screen: one more item for the bill.
        go({ name: 'sale' });
    }
    void addScanned(scan, takeCount());
  };

  // Scans held back by a dialog are added once it closes, in order.
  useEffect(() => {
    if (dialog || screen.name === 'loading' || !waiting.current.length) return;
    const held = waiting.current.splice(0);
    held.forEach((s) => scanned.current(s));
  }, [dialog, screen.name]);

  useEffect(() => saveCart(cart), [cart]);

  // The customer's display follows the bill while it is rung up.
  useEffect(() => {
    if (screen.name !== 'sale') return;
    const priced = quote && quote.lines.length === cart.lines.length ? quote : null;
    showOnDisplay({
      lines: cart.lines.map((l, i) => ({
        name: l.name,
        qty: l.weighed ? `${l.qty} kg` : l.qty,
        amount: inr(priced ? priced.lines[i].line_total.minor : estimatePaise(l)),
      })),
      ...(cart.lines.length ? { total: inr(priced ? priced.total.minor : cart.lines.reduce((s, l) => s + estimatePaise(l), 0)) } : {}),
    });
  }, [cart, quote, screen.name]);

  const problems = cart.lines.map((l) => qtyProblem(l, maxQty));
  const firstProblem = problems.find((p) => p !== null) ?? null;

  // Every change to the bill is priced by the agent, exactly as the sale will be.
  const quoteSeq = useRef(0);
  useEffect(() => {
    const seq = ++quoteSeq.current;
    if (!cart.lines.length || firstProblem) {
      setQuote(null);
      return;
    }
    api
      .quote({ lines: lineRequests(cart), tenders: [], bill_discount: cart.billDiscount, approval: cart.approval, resumed_bill: cart.resumedBill })
      .then(
        (q) => {
          if (seq !== quoteSeq.current) return;
          setQuote(q);
          // Only the pricing's own refusal is answered by a price: a scan
          // refused while this quote was on its way must stay on screen.
          setNotice((n) => (n?.fromQuote ? null : n));
        },
        (e: AgentError) => {
          if (seq !== quoteSeq.current) return;
          setQuote(null);
          if (e.field === 'approval') setDialog({ kind: 'approval', why: e.forCashier });
          else setNotice({ kind: 'error', text: e.forCashier, fromQuote: true });
        },
      );
  }, [cart, catalogVersion]);

  const startPay = async () => {
    if (!cart.lines.length) return;
    if (firstProblem) return refuse(firstProblem);
    if (shiftNeeded) return refuse(t('error.shiftNeeded'));
    try {
      const q = await api.quote({ lines: lineRequests(cart), tenders: [], bill_discount: cart.billDiscount, approval: cart.approval, resumed_bill: cart.resumedBill });
      go({ name: 'tender', quote: q });
    } catch (e) {
      const err = e as AgentError;
      if (err.field === 'approval') setDialog({ kind: 'approval', why: err.forCashier });
      else fail(e);
    }
  };

  const hold = async (note: string) => {
    if (firstProblem) return refuse(firstProblem);
    try {
      await api.hold({
        lines: lineRequests(cart),
        note: note.trim() || undefined,
        bill_discount: cart.billDiscount,
        approval: cart.approval,
        customer_phone: cart.customerPhone,
      });
      setDialog(null);
      setCart(emptyCart);
      setFlash(null);
      setNotice({ kind: 'info', text: t('held.done') });
      backToSearch();
    } catch (e) {
      setDialog(null);
      const err = e as AgentError;
      if (err.field === 'approval') setDialog({ kind: 'approval', why: err.forCashier });
      else fail(e);
    }
  };

  const resume = async (bill: HeldBill) => {
    setCart(cartFromHeld(bill));
    setFlash(null);
    go({ name: 'sale' });
  };

  /** Takes lines off the bill, each written to the agent's audit as a void first. */
  const voidLines = async (ids: number[]) => {
    for (const id of ids) {
      const line = cart.lines.find((l) => l.id === id);
      if (!line) continue;
      const amount = quote?.lines[cart.lines.indexOf(line)]?.line_total.minor ?? Math.round(line.unitPaise * Number(line.qty) || 0);
      try {
        await api.voidLine(`${line.qty} × ${line.name}`, amount);
        setCart((c) => voidLine(c, id));
      } catch (e) {
        return fail(e);
      }
    }
    setNotice({ kind: 'info', text: ids.length === 1 ? t('sale.voided', { name: cart.lines.find((l) => l.id === ids[0])?.name ?? '' }) : t('sale.cleared') });
    setFlash(null);
    backToSearch();
  };

  const signOut = async () => {
    await api.signOut().catch(() => undefined);
    setCashier(null);
    go({ name: 'login' });
  };

  const lineName = (id?: number) => cart.lines.find((l) => l.id === id)?.name;

  let body;
  switch (screen.name) {
    case 'loading':
      body = <main class="login"><p>{t('common.working')}</p></main>;
      break;
    case 'login':
      body = (
        <Login
          onSignedIn={(s) => {
            signingIn.current = false;
            setCashier(s);
            go({ name: 'sale' });
            loadShift();
          }}
          onSigningIn={(busy) => {
            signingIn.current = busy;
            // Refused: what was scanned meanwhile is refused with it.
            if (!busy && waiting.current.splice(0).length) refuse(t('error.signIn'));
          }}
        />
      );
      break;
    case 'sale':
      body = (
        <SaleScreen
          cart={cart}
          quote={quote}
          quickKeys={quickKeys}
          problems={problems}
          flash={flash}
          addOns={addOns}
          multiplier={multiplier}
          maxQty={maxQty}
          actions={{
            add: (p) => addWithModifiers(p),
            addOn: (p) => addWithModifiers(p, takeCount(), true),
            setQty: (id, qty) => {
              setNotice(null);
              setCart((c) => setQty(c, id, qty));
            },
            step: (id, delta) => setCart((c) => stepQty(c, id, delta)),
            void: (id) => void voidLines([id]),
            discountLine: (id) => setDialog({ kind: 'discount', lineId: id }),
            discountBill: () => setDialog({ kind: 'discount' }),
            pay: startPay,
            hold: () => (firstProblem ? refuse(firstProblem) : setDialog({ kind: 'hold' })),
            held: () => go({ name: 'held' }),
            returns: () => go({ name: 'returns', scanned: null }),
            shift: () => {
              loadShift();
              go({ name: 'shift' });
            },
            devices: () => go({ name: 'devices' }),
            customer: () => setDialog({ kind: 'customer' }),
            clear: () => void voidLines(cart.lines.map((l) => l.id)),
            setMultiplier: (n) => {
              if (n !== null && (n < 1 || n > maxQty)) return refuse(t('error.multiplier', { max: maxQty.toLocaleString('en-IN') }));
              multiplierRef.current = n;
              setMultiplier(n);
            },
            typedCode: (code) => scanned.current({ text: code }),
          }}
        />
      );
      break;
    case 'tender':
      body = (
        <TenderScreen
          quote={screen.quote}
          request={{ lines: lineRequests(cart), bill_discount: cart.billDiscount, approval: cart.approval, customer_phone: cart.customerPhone, resumed_bill: cart.resumedBill }}
          onSold={(sale) => {
            showOnDisplay({
              lines: sale.lines.map((l) => ({ name: l.name, qty: l.qty, amount: l.line_total })),
              total: sale.total,
              paid: inr(sale.tenders.reduce((s, x) => s + x.amount.minor, 0)),
              change: sale.change_due,
              message: t('display.thanks'),
            });
            setCart(emptyCart);
            setQuote(null);
            go({ name: 'receipt', sale });
            loadShift();
          }}
          onBack={() => go({ name: 'sale' })}
        />
      );
      break;
    case 'receipt':
      body = <ReceiptScreen sale={screen.sale} onNext={() => go({ name: 'sale' })} />;
      break;
    case 'held':
      body = <HeldScreen onResume={resume} onBack={() => go({ name: 'sale' })} />;
      break;
    case 'returns':
      body = <ReturnsScreen key={screen.scanned?.seq ?? 0} scanned={screen.scanned?.text ?? null} onBack={() => go({ name: 'sale' })} />;
      break;
    case 'shift':
      body = <ShiftScreen shift={shift} cashier={cashier} onChanged={setShift} onBack={() => go({ name: 'sale' })} onStockTake={() => go({ name: 'stock', scanned: null })} onGoodsIn={() => go({ name: 'goods', scanned: null })} onTransfers={() => go({ name: 'transfers', scanned: null })} onStockAlerts={() => go({ name: 'alerts' })} />;
      break;
    case 'devices':
      body = <DevicesScreen onBack={() => go({ name: 'sale' })} />;
      break;
    case 'stock':
      body = <StockTakeScreen scanned={screen.scanned} drain={drainScans} onBack={() => go({ name: 'sale' })} />;
      break;
    case 'goods':
      body = <ReceivingScreen scanned={screen.scanned} drain={drainScans} onBack={() => go({ name: 'sale' })} />;
      break;
    case 'alerts':
      body = <StockAlertsScreen onBack={() => go({ name: 'sale' })} />;
      break;
    case 'transfers':
      body = <TransfersScreen scanned={screen.scanned} drain={drainScans} onBack={() => go({ name: 'sale' })} />;
      break;
  }

  return (
    <div class="app">
      <StatusBar status={status} agentUp={agentUp} cashier={cashier} shift={shift} shiftRequired={settings?.require_open_shift ?? false} printer={printer} onSwitch={signOut} />
      <Notice notice={notice} />
      {body}
      {dialog?.kind === 'modifiers' && (
        <ModifierDialog
          product={dialog.product}
          onDone={(chosen) => {
            put(dialog.product, dialog.count, chosen);
            setDialog(null);
          }}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === 'discount' && (
        <DiscountDialog
          lineName={lineName(dialog.lineId)}
          current={dialog.lineId === undefined ? cart.billDiscount : cart.lines.find((l) => l.id === dialog.lineId)?.discount}
          onApply={(d) => {
            setCart((c) => (dialog.lineId === undefined ? { ...c, billDiscount: d } : setLineDiscount(c, dialog.lineId, d)));
            setDialog(null);
          }}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === 'customer' && (
        <CustomerDialog
          current={cart.customerPhone}
          onChoose={(c) => {
            setCart((cart) => ({ ...cart, customerPhone: c?.phone, customerLabel: c ? c.name ?? c.phone : undefined }));
            setDialog(null);
            backToSearch();
          }}
          onClose={() => {
            setDialog(null);
            backToSearch();
          }}
        />
      )}
      {dialog?.kind === 'hold' && (
        <HoldDialog
          suggested={cart.customerLabel ?? ''}
          total={quote ? formatPaise(quote.total.minor) : null}
          onHold={hold}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === 'expired' && (
        <Dialog title={t('expired.title')} onClose={() => setDialog(null)}>
          <p class="notice error" role="alert">
            {t('error.expired', { name: dialog.product.name, date: dialog.date })}
          </p>
          <div class="actions">
            <button type="button" onClick={() => setDialog(null)}>
              {t('expired.keepOff')}
            </button>
            <button
              type="button"
              onClick={() => {
                const { product, code } = dialog;
                setDialog(null);
                put({ ...product, barcode: code }, 1, undefined, true);
              }}
            >
              {t('expired.sellAnyway')}
            </button>
          </div>
        </Dialog>
      )}
      {dialog?.kind === 'approval' && (
        <ApprovalDialog
          why={dialog.why}
          onApprove={(a: Approval) => {
            setCart((c) => ({ ...c, approval: a }));
            setDialog(null);
          }}
          onClose={() => setDialog(null)}
        />
      )}
    </div>
  );
}
