// The till application: who is signed in, which screen is up, the bill being
// rung up and its quote, and the live link to the agent (status and scans).

import { useEffect, useRef, useState } from 'preact/hooks';
import { AgentError, api } from './api';
import type { Approval, HeldBill, PrinterView, ProductView, QuickKeyPage, SaleFact, SaleQuote, ScanEvent, ShiftReport, SignedIn, SyncStatus } from './generated';
import { addLabelled, addProduct, emptyCart, lineRequests, loadCart, saveCart, setLineDiscount, setQty, validQty, voidLine, type Cart, type CartLine } from './cart';
import { CustomerDialog } from './components/CustomerDialog';
import { ApprovalDialog, DiscountDialog, ModifierDialog } from './components/dialogs';
import { Dialog, Notice } from './components/Dialog';
import { StatusBar } from './components/StatusBar';
import { t } from './messages';

/** Today in the till's own zone, `YYYY-MM-DD`, as GS1 dates are compared. */
function localDay(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
import { DevicesScreen } from './screens/Devices';
import { HeldScreen } from './screens/Held';
import { Login } from './screens/Login';
import { ReceiptScreen } from './screens/Receipt';
import { ReturnsScreen } from './screens/Returns';
import { SaleScreen } from './screens/Sale';
import { ShiftScreen } from './screens/Shift';
import { TenderScreen } from './screens/Tender';
import { listenForWedgeScans } from './wedge';

type Screen =
  | { name: 'loading' }
  | { name: 'login' }
  | { name: 'sale' }
  | { name: 'tender'; quote: SaleQuote }
  | { name: 'receipt'; sale: SaleFact }
  | { name: 'held' }
  | { name: 'returns'; scanned: string | null }
  | { name: 'shift' }
  | { name: 'devices' };

type DialogState =
  | { kind: 'modifiers'; product: ProductView }
  | { kind: 'discount'; lineId?: number }
  | { kind: 'approval'; why: string }
  | { kind: 'expired'; product: ProductView; code: string; date: string }
  | { kind: 'customer' }
  | null;

type NoticeState = { kind: 'error' | 'info'; text: string } | null;

export function App() {
  const [screen, setScreen] = useState<Screen>({ name: 'loading' });
  const [cashier, setCashier] = useState<SignedIn | null>(null);
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [agentUp, setAgentUp] = useState(true);
  const [printer, setPrinter] = useState<PrinterView | null>(null);
  const [shift, setShift] = useState<ShiftReport | null>(null);
  const [quickKeys, setQuickKeys] = useState<QuickKeyPage[]>([]);
  const [cart, setCart] = useState<Cart>(loadCart);
  const [quote, setQuote] = useState<SaleQuote | null>(null);
  const [dialog, setDialog] = useState<DialogState>(null);
  const [notice, setNotice] = useState<NoticeState>(null);
  const [catalogVersion, setCatalogVersion] = useState(0);
  const screenRef = useRef(screen);
  screenRef.current = screen;

  const fail = (e: unknown) => setNotice({ kind: 'error', text: (e as AgentError).forCashier });
  const loadShift = () =>
    api.shift().then(setShift, (e: AgentError) => {
      if (e.type === 'no_open_shift' || e.type === 'not_enrolled') setShift(null);
    });

  // Start-up: who is signed in, the keys, the shift.
  useEffect(() => {
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
      const scan = JSON.parse((e as MessageEvent).data) as ScanEvent;
      scanned.current(scan.text);
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

  // Keyboard-wedge scanners, recognised anywhere on the page.
  const scanned = useRef<(text: string) => void>(() => undefined);
  useEffect(() => listenForWedgeScans((text) => scanned.current(text)), []);

  const addWithModifiers = (p: ProductView) => {
    setNotice(null);
    if (p.modifiers?.length) setDialog({ kind: 'modifiers', product: p });
    else setCart((c) => addProduct(c, p));
  };

  const addByBarcode = async (code: string) => {
    try {
      const found = await api.byBarcode(code);
      const { scan, ...product } = found;
      if (scan.expiry && scan.expiry < localDay()) {
        // Off the shelf by default; a supervisor may approve selling it.
        setDialog({ kind: 'expired', product, code, date: scan.expiry });
        return;
      }
      // A symbol that carries the weight or the price: the agent prices it.
      if (scan.net_weight != null || scan.price_minor != null) return await addCarried(code);
      // A batch, expiry or serial rides on the line: the scan is its barcode.
      const carriesPack = scan.batch != null || scan.expiry != null || scan.serial != null;
      addWithModifiers(carriesPack ? { ...product, barcode: code } : product);
    } catch (e) {
      const err = e as AgentError;
      if (err.type === 'invalid_barcode') {
        setNotice({ kind: 'error', text: err.forCashier });
        return;
      }
      if (err.type !== 'unknown_barcode') return fail(e);
      setNotice({ kind: 'error', text: t('error.unknownBarcode', { barcode: code }) });
    }
  };

  /** A line whose barcode carries its own weight or price, priced by the agent. */
  const addCarried = async (code: string) => {
    try {
      const q = await api.quote({ lines: [{ barcode: code }], tenders: [] });
      const line = q.lines[0];
      setCart((c) => addLabelled(c, code, line.name, line.qty, line.unit_price.minor));
    } catch (e) {
      fail(e);
    }
  };

  scanned.current = (text: string) => {
    const s = screenRef.current;
    if (dialog) return;
    if (s.name === 'sale') void addByBarcode(text);
    else if (s.name === 'receipt') {
      setScreen({ name: 'sale' });
      void addByBarcode(text);
    } else if (s.name === 'returns') setScreen({ name: 'returns', scanned: text });
  };

  useEffect(() => saveCart(cart), [cart]);

  // Every change to the bill is priced by the agent, exactly as the sale will be.
  const quoteSeq = useRef(0);
  useEffect(() => {
    const seq = ++quoteSeq.current;
    if (!cart.lines.length || !cart.lines.every((l) => l.weighed || validQty(l.qty))) {
      setQuote(null);
      return;
    }
    api
      .quote({ lines: lineRequests(cart), tenders: [], bill_discount: cart.billDiscount, approval: cart.approval })
      .then(
        (q) => {
          if (seq !== quoteSeq.current) return;
          setQuote(q);
          setNotice((n) => (n?.kind === 'error' ? null : n));
        },
        (e: AgentError) => {
          if (seq !== quoteSeq.current) return;
          setQuote(null);
          if (e.field === 'approval') setDialog({ kind: 'approval', why: e.forCashier });
          else fail(e);
        },
      );
  }, [cart, catalogVersion]);

  const startPay = async () => {
    if (!cart.lines.length) return;
    try {
      const q = await api.quote({ lines: lineRequests(cart), tenders: [], bill_discount: cart.billDiscount, approval: cart.approval });
      setScreen({ name: 'tender', quote: q });
    } catch (e) {
      const err = e as AgentError;
      if (err.field === 'approval') setDialog({ kind: 'approval', why: err.forCashier });
      else fail(e);
    }
  };

  const hold = async () => {
    try {
      await api.hold(lineRequests(cart));
      setCart(emptyCart);
      setNotice({ kind: 'info', text: t('held.done') });
    } catch (e) {
      fail(e);
    }
  };

  const resume = async (bill: HeldBill) => {
    try {
      const lines = bill.lines.map((l) => ({ barcode: l.barcode, qty: l.qty, modifiers: l.modifiers }));
      const q = await api.quote({ lines, tenders: [] });
      const resumed: CartLine[] = q.lines.map((ql, i) => ({
        id: Date.now() + i,
        barcode: lines[i].barcode,
        name: ql.name,
        unitPaise: ql.unit_price.minor,
        qty: ql.qty,
        weighed: lines[i].qty === undefined || lines[i].qty === null,
        modifiers: lines[i].modifiers ?? [],
        modifierNames: (ql.modifiers ?? []).map((m) => m.name),
      }));
      setCart({ lines: resumed });
      setScreen({ name: 'sale' });
    } catch (e) {
      fail(e);
    }
  };

  const signOut = async () => {
    await api.signOut().catch(() => undefined);
    setCashier(null);
    setScreen({ name: 'login' });
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
            setCashier(s);
            setScreen({ name: 'sale' });
            loadShift();
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
          actions={{
            add: addWithModifiers,
            setQty: (id, qty) => setCart((c) => setQty(c, id, qty)),
            void: (id) => setCart((c) => voidLine(c, id)),
            discountLine: (id) => setDialog({ kind: 'discount', lineId: id }),
            discountBill: () => setDialog({ kind: 'discount' }),
            pay: startPay,
            hold,
            held: () => setScreen({ name: 'held' }),
            returns: () => setScreen({ name: 'returns', scanned: null }),
            shift: () => {
              loadShift();
              setScreen({ name: 'shift' });
            },
            devices: () => setScreen({ name: 'devices' }),
            customer: () => setDialog({ kind: 'customer' }),
            clear: () => setCart(emptyCart),
          }}
        />
      );
      break;
    case 'tender':
      body = (
        <TenderScreen
          quote={screen.quote}
          request={{ lines: lineRequests(cart), bill_discount: cart.billDiscount, approval: cart.approval, customer_phone: cart.customerPhone }}
          onSold={(sale) => {
            setCart(emptyCart);
            setQuote(null);
            setScreen({ name: 'receipt', sale });
            loadShift();
          }}
          onBack={() => setScreen({ name: 'sale' })}
        />
      );
      break;
    case 'receipt':
      body = <ReceiptScreen sale={screen.sale} onNext={() => setScreen({ name: 'sale' })} />;
      break;
    case 'held':
      body = <HeldScreen onResume={resume} onBack={() => setScreen({ name: 'sale' })} />;
      break;
    case 'returns':
      body = <ReturnsScreen key={screen.scanned ?? ''} scanned={screen.scanned} onBack={() => setScreen({ name: 'sale' })} />;
      break;
    case 'shift':
      body = <ShiftScreen shift={shift} cashier={cashier} onChanged={setShift} onBack={() => setScreen({ name: 'sale' })} />;
      break;
    case 'devices':
      body = <DevicesScreen onBack={() => setScreen({ name: 'sale' })} />;
      break;
  }

  return (
    <div class="app">
      <StatusBar status={status} agentUp={agentUp} cashier={cashier} shift={shift} printer={printer} onSwitch={signOut} />
      <Notice notice={notice} />
      {body}
      {dialog?.kind === 'modifiers' && (
        <ModifierDialog
          product={dialog.product}
          onDone={(chosen) => {
            setCart((c) => addProduct(c, dialog.product, chosen));
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
          }}
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
                setCart((c) => addProduct(c, { ...product, barcode: code }, undefined, true));
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
