// The sale screen: the bill, type-ahead search, the quick-key grid by
// category, and the actions a cashier reaches by function key or touch.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import type { ProductView, QuickKeyPage, SaleQuote } from '../generated';
import { estimatePaise, validQty, type Cart } from '../cart';
import { useKeys } from '../keys';
import { formatMoney, formatPaise } from '../money';
import { t } from '../messages';

export interface SaleActions {
  add: (p: ProductView) => void;
  setQty: (lineId: number, qty: string) => void;
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
}

function Search(props: { onPick: (p: ProductView) => void; inputRef: { current: HTMLInputElement | null } }) {
  const [q, setQ] = useState('');
  const [results, setResults] = useState<ProductView[]>([]);
  const [active, setActive] = useState(0);
  useEffect(() => {
    const text = q.trim();
    if (!text) {
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
        placeholder={t('sale.searchPlaceholder')}
        value={q}
        onInput={(e) => setQ(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setActive((a) => Math.min(a + 1, results.length - 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === 'Enter' && results[active]) {
            e.preventDefault();
            pick(results[active]);
          } else if (e.key === 'Escape') {
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
            <span>{p.name}</span>
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
  actions: SaleActions;
}) {
  const { cart, quote, actions } = props;
  const [selected, setSelected] = useState<number | null>(null);
  const searchRef = useRef<HTMLInputElement | null>(null);
  const selectedLine = cart.lines.find((l) => l.id === selected) ?? cart.lines[cart.lines.length - 1];
  // A quote belongs to the bill it priced only while the line count agrees.
  const priced = quote && quote.lines.length === cart.lines.length ? quote : null;
  const total = priced ? priced.total.minor : cart.lines.reduce((s, l) => s + estimatePaise(l), 0);

  useKeys({
    F2: () => searchRef.current?.focus(),
    F4: () => cart.lines.length && actions.hold(),
    F6: actions.held,
    F8: () => selectedLine && actions.void(selectedLine.id),
    F9: () => (selectedLine ? actions.discountLine(selectedLine.id) : undefined),
    F12: () => cart.lines.length && actions.pay(),
  });

  return (
    <main class="sale">
      <section class="bill">
        <Search onPick={actions.add} inputRef={searchRef} />
        <table class="lines" aria-label="Bill">
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
              return (
                <tr key={l.id} class={selectedLine?.id === l.id ? 'selected' : ''} onClick={() => setSelected(l.id)} data-barcode={l.barcode}>
                  <td>
                    {l.name}
                    {l.modifierNames.length > 0 && <div class="muted">{l.modifierNames.join(', ')}</div>}
                    {q?.discount && <div class="muted">{t('sale.lineDiscount', { amount: formatMoney(q.discount.amount) })}</div>}
                  </td>
                  <td class="num">
                    {l.weighed ? (
                      <span>{l.qty} <small>{t('sale.weighed')}</small></span>
                    ) : (
                      <input
                        class={validQty(l.qty) ? 'qty' : 'qty invalid'}
                        aria-label={`${t('sale.qty')} ${l.name}`}
                        inputMode="decimal"
                        value={l.qty}
                        onInput={(e) => actions.setQty(l.id, e.currentTarget.value)}
                      />
                    )}
                  </td>
                  <td class="num">{formatPaise(q ? q.unit_price.minor : l.unitPaise)}</td>
                  <td class="num line-total">{formatPaise(q ? q.line_total.minor : estimatePaise(l))}</td>
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
        {cart.lines.length === 0 && <p class="empty">{t('sale.empty')}</p>}
      </section>
      <aside class="side">
        <div class="total" aria-live="polite">
          <span>{t('sale.total')}</span>
          <strong data-testid="total">{formatPaise(total)}</strong>
          <small>{t('sale.items', { n: cart.lines.length })}</small>
          {cart.customerLabel && <small data-testid="customer">{t('customer.onBill', { name: cart.customerLabel })}</small>}
          {priced?.discount_approved_by && <small>{t('sale.approvedBy', { name: priced.discount_approved_by.name })}</small>}
          {priced?.warnings?.map((w) => <small class="warning" key={w}>{t('sale.stockWarning', { text: w })}</small>)}
        </div>
        <QuickKeys pages={props.quickKeys} onPick={actions.add} />
        <div class="actions grid">
          <button type="button" class="primary big" disabled={!cart.lines.length} onClick={actions.pay}>{t('sale.pay')}</button>
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
      </aside>
    </main>
  );
}
