// The sale screen: the bill, type-ahead search, the quick-key grid by
// category, the number pad, and the actions a cashier reaches by key or touch.
//
// Keys, with the cursor in the search box (where it starts) or on no field:
// ↑/↓ select a line, + and − change its count, Delete voids it, digits then
// × (or *) set the count of the next item ("3 ×" then a scan).

import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import type { ProductView, QuickKeyPage, SaleQuote } from '../generated';
import { estimatePaise, type Cart } from '../cart';
import { NumPad } from '../components/NumPad';
import { useArrivalFocus } from '../focus';
import { useKeys } from '../keys';
import { formatMoney, formatPaise } from '../money';
import { t } from '../messages';
import { insertText, isTextField } from '../typing';

export interface SaleActions {
  add: (p: ProductView) => void;
  /** An item taken from the add-on hint. */
  addOn: (p: ProductView) => void;
  setQty: (lineId: number, qty: string) => void;
  step: (lineId: number, delta: 1 | -1) => void;
  void: (lineId: number) => void;
  discountLine: (lineId: number) => void;
  discountBill: () => void;
  pay: () => void;
  hold: () => void;
  held: () => void;
  returns: () => void;
  shift: () => void;
  devices: () => void;
  customer: () => void;
  clear: () => void;
  setMultiplier: (n: number | null) => void;
  /** A barcode typed by hand (a label the scanner cannot read), then Enter. */
  typedCode: (code: string) => void;
}

/** The last scan's answer on the bill: the line that changed flashes. */
export interface ScanFlash {
  barcode: string;
  seq: number;
  text: string;
}

/** "3x", "3 ×", "3*": the count for the next item. */
const MULTIPLIER = /^\s*(\d+)\s*[x×X*]\s*$/;
/** Digits only (spaces allowed, as printed under a barcode): a barcode typed by hand. */
const TYPED_CODE = /^\d[\d ]*$/;

function Search(props: {
  onPick: (p: ProductView) => void;
  onMultiplier: (n: number) => void;
  onCode: (code: string) => void;
  inputRef: { current: HTMLInputElement | null };
  /** Keys the search box hands to the bill when it is empty. */
  onEmptyKey: (e: KeyboardEvent) => boolean;
}) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<ProductView[]>([]);
  const [active, setActive] = useState(0);
  useEffect(() => {
    const text = q.trim();
    if (!text || MULTIPLIER.test(text) || /^\d+$/.test(text)) {
      setResults([]);
      return;
    }
    let stale = false;
    const timer = setTimeout(() => {
      api
        .search(text)
        .then((r) => {
          if (!stale) {
            setResults(r);
            setActive(0);
          }
        })
        .catch(() => !stale && setResults([]));
    }, 80);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [q]);
  const pick = (p: ProductView) => {
    props.onPick(p);
    setQ('');
    setResults([]);
  };
  return (
    <div class="search">
      <label for="search">{t('sale.search')}</label>
      <input
        id="search"
        ref={props.inputRef}
        role="combobox"
        aria-expanded={results.length > 0}
        aria-controls="search-results"
        autocomplete="off"
        data-autofocus
        placeholder={t('sale.searchPlaceholder')}
        value={q}
        onInput={(e) => {
          const text = e.currentTarget.value;
          const m = MULTIPLIER.exec(text);
          if (m) {
            props.onMultiplier(Number(m[1]));
            setQ('');
            e.currentTarget.value = '';
          } else setQ(text);
        }}
        onKeyDown={(e) => {
          if (!q && props.onEmptyKey(e)) return;
          // A key the list uses is not the screen's shortcut too.
          const used = () => {
            e.preventDefault();
            e.stopPropagation();
          };
          if (e.key === 'ArrowDown' && results.length) {
            used();
            setActive((a) => Math.min(a + 1, results.length - 1));
          } else if (e.key === 'ArrowUp' && results.length) {
            used();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === 'Enter' && results[active]) {
            used();
            pick(results[active]);
          } else if (e.key === 'Enter' && TYPED_CODE.test(q.trim())) {
            used();
            props.onCode(q.replace(/\s/g, ''));
            setQ('');
          } else if (e.key === 'Escape' && q) {
            used();
            setQ('');
          }
        }}
      />
      {results.length > 0 && (
        <ul id="search-results" role="listbox" class="results">
          {results.map((p, i) => (
            <li key={p.variant_id} role="option" aria-selected={i === active} class={i === active ? 'active' : ''} onMouseDown={(e) => { e.preventDefault(); pick(p); }}>
              <span>{p.name}</span>
              <span class="muted">{p.brand ?? ''}</span>
              <span class="num">{formatMoney(p.price)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function QuickKeys(props: { pages: QuickKeyPage[]; onPick: (p: ProductView) => void }) {
  const [page, setPage] = useState(0);
  const current = props.pages[Math.min(page, props.pages.length - 1)];
  if (!current) return null;
  return (
    <section class="quick-keys" aria-label={t('quick.title')}>
      <div class="tabs" role="tablist">
        {props.pages.map((p, i) => (
          <button type="button" role="tab" key={p.category_id ?? 'other'} aria-selected={i === page} class={i === page ? 'tab on' : 'tab'} onClick={() => setPage(i)}>
            {p.path.length ? p.path[p.path.length - 1] : t('quick.other')}
          </button>
        ))}
      </div>
      <div class="keys" role="tabpanel">
        {current.keys.map((p) => (
          <button type="button" class="key" key={p.variant_id} data-barcode={p.barcode} onClick={() => props.onPick(p)}>
            <span class="key-name">{p.name}</span>
            <span class="num">{formatMoney(p.price)}</span>
          </button>
        ))}
      </div>
    </section>
  );
}

export function SaleScreen(props: {
  cart: Cart;
  quote: SaleQuote | null;
  quickKeys: QuickKeyPage[];
  /** Per line, why its quantity cannot be sold (null when it can). */
  problems: (string | null)[];
  flash: ScanFlash | null;
  /** What sells with the item last put on the bill. */
  addOns: { name: string; items: ProductView[] } | null;
  multiplier: number | null;
  maxQty: number;
  actions: SaleActions;
}) {
  const { cart, quote, actions, problems, flash } = props;
  const [selected, setSelected] = useState<number | null>(null);
  const searchRef = useRef<HTMLInputElement | null>(null);
  const rootRef = useArrivalFocus<HTMLElement>();
  const selectedLine = cart.lines.find((l) => l.id === selected) ?? cart.lines[cart.lines.length - 1];
  const selectedIndex = selectedLine ? cart.lines.indexOf(selectedLine) : -1;
  // A quote belongs to the bill it priced only while the line count agrees.
  const priced = quote && quote.lines.length === cart.lines.length ? quote : null;
  const total = priced ? priced.total.minor : cart.lines.reduce((s, l) => s + estimatePaise(l), 0);
  const blocked = problems.some((p) => p !== null);
  // Add-ons not on the bill yet, only while there is a bill.
  const offered = cart.lines.length ? (props.addOns?.items ?? []).filter((p) => !cart.lines.some((l) => l.barcode === p.barcode)) : [];

  // The line a scan changed becomes the selected one.
  useEffect(() => {
    if (!flash) return;
    const hit = [...cart.lines].reverse().find((l) => l.barcode === flash.barcode);
    if (hit) setSelected(hit.id);
  }, [flash?.seq]);

  const move = (delta: 1 | -1) => {
    if (!cart.lines.length) return;
    const next = cart.lines[Math.max(0, Math.min(cart.lines.length - 1, selectedIndex + delta))];
    setSelected(next.id);
    // From one quantity box, the arrow goes to the next line's box.
    const active = document.activeElement;
    if (active instanceof HTMLInputElement && active.classList.contains('qty')) {
      requestAnimationFrame(() => document.querySelector<HTMLInputElement>(`input.qty[data-line="${next.id}"]`)?.focus());
    }
  };

  /** The bill's own keys; true when the key was used. */
  const billKey = (e: KeyboardEvent): boolean => {
    if (e.ctrlKey || e.altKey || e.metaKey) return false;
    const act = (f: () => void) => {
      e.preventDefault();
      f();
      return true;
    };
    switch (e.key) {
      case 'ArrowUp':
        return act(() => move(-1));
      case 'ArrowDown':
        return act(() => move(1));
      case '+':
        return selectedLine ? act(() => actions.step(selectedLine.id, 1)) : false;
      case '-':
        return selectedLine ? act(() => actions.step(selectedLine.id, -1)) : false;
      case 'Delete':
        return selectedLine ? act(() => actions.void(selectedLine.id)) : false;
      case 'Escape':
        return props.multiplier !== null ? act(() => actions.setMultiplier(null)) : false;
      default:
        return false;
    }
  };

  // Keys typed on no field: the bill's own, else typing that starts a search.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isTextField(e.target) || document.querySelector('[role=dialog]')) return;
      if (billKey(e)) return;
      if (e.key.length === 1 && !e.ctrlKey && !e.altKey && !e.metaKey && searchRef.current) {
        e.preventDefault();
        searchRef.current.focus();
        insertText(searchRef.current, e.key);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  useKeys({
    F2: () => searchRef.current?.focus(),
    F4: () => cart.lines.length && actions.hold(),
    F6: actions.held,
    F8: () => selectedLine && actions.void(selectedLine.id),
    F9: () => (selectedLine ? actions.discountLine(selectedLine.id) : undefined),
    F12: () => cart.lines.length && actions.pay(),
  });

  return (
    <main class="sale" ref={rootRef}>
      <h1 class="sr-only">{t('sale.title')}</h1>
      <section class="bill">
        <Search
          onPick={actions.add}
          onMultiplier={(n) => actions.setMultiplier(n)}
          onCode={actions.typedCode}
          inputRef={searchRef}
          onEmptyKey={billKey}
        />
        {props.multiplier !== null && (
          <p class="multiplier" data-testid="multiplier">
            {t('sale.multiplier', { n: props.multiplier })}
          </p>
        )}
        <p class={`last-scan ${flash && cart.lines.length ? 'on' : ''}`} data-testid="last-scan" aria-live="polite">
          {flash && cart.lines.length ? t('sale.added', { name: flash.text }) : cart.lines.length ? '' : t('sale.empty')}
        </p>
        {offered.length > 0 && props.addOns && (
          <div class="add-ons" data-testid="add-ons" aria-live="polite">
            <span>{t('sale.addOns', { name: props.addOns.name })}</span>
            {offered.map((p) => (
              <button
                type="button"
                class="add-on"
                key={p.variant_id}
                data-barcode={p.barcode}
                aria-label={t('sale.addOn', { name: p.name, price: formatPaise(p.price.minor) })}
                onClick={() => {
                  actions.addOn(p);
                  // Back to the search box, where typing goes.
                  searchRef.current?.focus();
                }}
              >
                {p.name} <small>{formatPaise(p.price.minor)}</small>
              </button>
            ))}
          </div>
        )}
        <div class="lines-box">
          <table class="lines" aria-label={t('sale.bill')}>
            <thead>
              <tr>
                <th scope="col">{t('sale.item')}</th>
                <th scope="col" class="num">{t('sale.qty')}</th>
                <th scope="col" class="num">{t('sale.price')}</th>
                <th scope="col" class="num">{t('sale.amount')}</th>
                <th scope="col"><span class="sr-only">{t('sale.voidLine')}</span></th>
              </tr>
            </thead>
            <tbody data-testid="lines">
              {cart.lines.map((l, i) => {
                const q = priced?.lines[i];
                const flashed = flash && l.id === selectedLine?.id && l.barcode === flash.barcode;
                const problem = problems[i];
                return (
                  <tr
                    key={l.id}
                    class={[selectedLine?.id === l.id ? 'selected' : '', flashed ? `flash-${flash.seq % 2}` : '', problem ? 'problem' : ''].join(' ')}
                    aria-selected={selectedLine?.id === l.id}
                    onClick={() => setSelected(l.id)}
                    data-barcode={l.barcode}
                    data-flash={flashed ? flash.seq : undefined}
                  >
                    <td>
                      <span class="line-name">{l.name}</span>
                      {l.modifierNames.length > 0 && <div class="muted">{l.modifierNames.join(', ')}</div>}
                      {q?.discount && <div class="muted">{t('sale.lineDiscount', { amount: formatMoney(q.discount.amount) })}</div>}
                      {problem && <div class="line-problem" role="alert">{problem}</div>}
                    </td>
                    <td class="num">
                      {l.weighed ? (
                        <span>{l.qty} <small>{t('sale.weighed')}</small></span>
                      ) : (
                        <input
                          class={problem ? 'qty invalid' : 'qty'}
                          data-line={l.id}
                          aria-label={`${t('sale.qty')} ${l.name}`}
                          aria-invalid={problem ? true : undefined}
                          inputMode={l.unit === 'each' ? 'numeric' : 'decimal'}
                          maxLength={9}
                          value={l.qty}
                          onFocus={(e) => {
                            setSelected(l.id);
                            e.currentTarget.select();
                          }}
                          onKeyDown={(e) => {
                            if (e.key === 'ArrowUp' || e.key === 'ArrowDown') billKey(e);
                            else if (e.key === 'Enter') {
                              e.preventDefault();
                              searchRef.current?.focus();
                            }
                          }}
                          onInput={(e) => actions.setQty(l.id, e.currentTarget.value)}
                        />
                      )}
                    </td>
                    <td class="num">{q || l.unitPaise ? formatPaise(q ? q.unit_price.minor : l.unitPaise) : ''}</td>
                    <td class="num line-total">{problem ? '—' : formatPaise(q ? q.line_total.minor : estimatePaise(l))}</td>
                    <td>
                      <button type="button" class="icon" aria-label={`${t('sale.voidLine')} ${l.name}`} onClick={(e) => { e.stopPropagation(); actions.void(l.id); }}>
                        ×
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
      <aside class="side">
        <div class="total" aria-live="polite">
          <span>{t('sale.total')}</span>
          <strong data-testid="total">{blocked ? '—' : formatPaise(total)}</strong>
          <small>{cart.lines.length === 1 ? t('sale.oneItem') : t('sale.items', { n: cart.lines.length })}</small>
          {cart.customerLabel && <small data-testid="customer">{t('customer.onBill', { name: cart.customerLabel })}</small>}
          {priced?.discount_approved_by && <small data-testid="approved-by">{t('sale.approvedBy', { name: priced.discount_approved_by.name })}</small>}
          {priced?.warnings?.map((w) => <small class="warning" key={w}>{t('sale.stockWarning', { text: w })}</small>)}
        </div>
        <div class="actions grid">
          <button type="button" class="primary big" disabled={!cart.lines.length || blocked} onClick={actions.pay}>{t('sale.pay')}</button>
          <button type="button" disabled={!cart.lines.length} onClick={actions.hold}>{t('sale.hold')}</button>
          <button type="button" onClick={actions.held}>{t('sale.held')}</button>
          <button type="button" disabled={!selectedLine} onClick={() => selectedLine && actions.discountLine(selectedLine.id)}>{t('sale.discount')}</button>
          <button type="button" disabled={!cart.lines.length} onClick={actions.discountBill}>{t('sale.billDiscount')}</button>
          <button type="button" disabled={!cart.lines.length} onClick={actions.clear}>{t('sale.clear')}</button>
          <button type="button" onClick={actions.customer}>{t('sale.customer')}</button>
          <button type="button" onClick={actions.returns}>{t('sale.returns')}</button>
          <button type="button" onClick={actions.shift}>{t('sale.shift')}</button>
          <button type="button" onClick={actions.devices}>{t('sale.devices')}</button>
        </div>
        <QuickKeys pages={props.quickKeys} onPick={actions.add} />
        <NumPad
          fallback={() => searchRef.current}
          decimal
          extra={[{ label: '×', name: t('pad.times'), press: () => searchRef.current && (searchRef.current.focus(), insertText(searchRef.current, '*')) }]}
        />
      </aside>
    </main>
  );
}
