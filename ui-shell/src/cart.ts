// The bill being rung up, kept in the UI until it is paid or held. Prices the
// cashier sees come from the agent's quote; the line's own price is only the
// estimate shown until the quote arrives.

import type { Approval, DiscountRequest, PriceOverrideRequest, ProductView, SaleLineRequest, Unit } from './generated';
import { lineEstimate } from './money';
import { t } from './messages';

export interface CartLine {
  /** Stable within the bill, for keys and selection. */
  id: number;
  barcode: string;
  name: string;
  unitPaise: number;
  qty: string;
  /** The quantity came from a scale label and cannot be edited. */
  weighed: boolean;
  modifiers: string[];
  modifierNames: string[];
  discount?: DiscountRequest;
  /** A pack past its use-by date, sold with a supervisor's approval. */
  sellExpired?: boolean;
  /** What the quantity counts; `each` takes whole numbers only. */
  unit?: Unit;
  priceOverride?: PriceOverrideRequest;
}

export interface Cart {
  lines: CartLine[];
  billDiscount?: DiscountRequest;
  approval?: Approval;
  customerPhone?: string;
  /** How the customer is shown on the bill: their name, else the number. */
  customerLabel?: string;
  /** The held bill this one was resumed from: its approval stands while its discounts do. */
  resumedBill?: string;
}

export const emptyCart: Cart = { lines: [] };

const SAVED = 'till.cart';

/**
 * The bill survives a reload or a crash of the UI: it is saved on every
 * change and read back at start-up.
 */
export function loadCart(): Cart {
  try {
    const saved = JSON.parse(localStorage.getItem(SAVED) ?? 'null') as Cart | null;
    if (saved && Array.isArray(saved.lines)) {
      nextId = Math.max(nextId, ...saved.lines.map((l) => l.id + 1));
      return saved;
    }
  } catch {
    // A damaged save is dropped: the agent holds everything already sold.
  }
  return emptyCart;
}

export function saveCart(cart: Cart): void {
  try {
    // A supervisor's PIN is never written down: the approval is asked again.
    const { approval: _, ...kept } = cart;
    if (cart.lines.length) localStorage.setItem(SAVED, JSON.stringify(kept));
    else localStorage.removeItem(SAVED);
  } catch {
    // Storage full or disabled: the bill lives on in memory.
  }
}

let nextId = 1;

/** A line id not used on this till's bills yet. */
export function newLineId(): number {
  return nextId++;
}

/** Adds `count` of `product`; a plain item already on the bill gets `count` more. */
export function addProduct(
  cart: Cart,
  product: ProductView,
  modifiers: { codes: string[]; names: string[]; extraPaise: number } = { codes: [], names: [], extraPaise: 0 },
  sellExpired = false,
  count = 1,
): Cart {
  const same = cart.lines.find(
    (l) =>
      l.barcode === product.barcode &&
      !!l.sellExpired === sellExpired &&
      !l.weighed &&
      !l.discount &&
      l.modifiers.join() === modifiers.codes.join() &&
      /^\d+$/.test(l.qty),
  );
  if (same) {
    return setQty(cart, same.id, String(Number(same.qty) + count));
  }
  const line: CartLine = {
    id: nextId++,
    barcode: product.barcode,
    name: product.name,
    unitPaise: product.price.minor + modifiers.extraPaise,
    qty: String(count),
    weighed: false,
    modifiers: modifiers.codes,
    modifierNames: modifiers.names,
    ...(sellExpired ? { sellExpired } : {}),
    ...(product.unit ? { unit: product.unit } : {}),
  };
  return { ...cart, lines: [...cart.lines, line] };
}

/** A line whose barcode carries its own weight or price (a scale label). */
export function addLabelled(cart: Cart, barcode: string, name: string, qty: string, unitPaise: number): Cart {
  const line: CartLine = {
    id: nextId++,
    barcode,
    name,
    unitPaise,
    qty,
    weighed: true,
    modifiers: [],
    modifierNames: [],
  };
  return { ...cart, lines: [...cart.lines, line] };
}

export function setQty(cart: Cart, id: number, qty: string): Cart {
  return { ...cart, lines: cart.lines.map((l) => (l.id === id ? { ...l, qty } : l)) };
}

/** One more or one fewer of a counted line; never below one. */
export function stepQty(cart: Cart, id: number, delta: 1 | -1): Cart {
  const line = cart.lines.find((l) => l.id === id);
  if (!line || line.weighed || !/^\d+$/.test(line.qty.trim())) return cart;
  const next = Number(line.qty) + delta;
  return next < 1 ? cart : setQty(cart, id, String(next));
}

export function voidLine(cart: Cart, id: number): Cart {
  const lines = cart.lines.filter((l) => l.id !== id);
  return lines.length ? { ...cart, lines } : emptyCart;
}

export function setLineDiscount(cart: Cart, id: number, discount: DiscountRequest | undefined): Cart {
  return { ...cart, lines: cart.lines.map((l) => (l.id === id ? { ...l, discount } : l)) };
}

/** The most of one line a till takes unless the agent says otherwise. */
export const MAX_LINE_QTY = 9999;

/** A valid quantity: positive, at most three decimals. */
export function validQty(qty: string): boolean {
  return /^\d+(\.\d{1,3})?$/.test(qty.trim()) && Number(qty) > 0;
}

/** Why a line's quantity cannot be sold, in the cashier's words; null when it can. */
export function qtyProblem(line: CartLine, max = MAX_LINE_QTY): string | null {
  if (line.weighed) return null;
  const q = line.qty.trim();
  const limit = max.toLocaleString('en-IN');
  if (!validQty(q)) {
    return line.unit === 'each' || !line.unit
      ? t('error.qtyWhole', { name: line.name, max: limit })
      : t('error.qtyLoose', { name: line.name, max: limit });
  }
  if (Number(q) > max) return t('error.qtyTooMany', { name: line.name, max: limit });
  if (line.unit === 'each' && !/^\d+$/.test(q)) return t('error.qtyWhole', { name: line.name, max: limit });
  return null;
}

/** The lines as the agent takes them (quote, sale and hold alike). */
export function lineRequests(cart: Cart): SaleLineRequest[] {
  return cart.lines.map((l) => ({
    barcode: l.barcode,
    qty: l.weighed ? undefined : l.qty.trim(),
    modifiers: l.modifiers.length ? l.modifiers : undefined,
    discount: l.discount,
    price_override: l.priceOverride,
    sell_expired: l.sellExpired || undefined,
  }));
}

export function estimatePaise(line: CartLine): number {
  return lineEstimate(line.unitPaise, line.qty);
}
