// The bill being rung up, kept in the UI until it is paid or held. Prices the
// cashier sees come from the agent's quote; the line's own price is only the
// estimate shown until the quote arrives.

import type { Approval, DiscountRequest, ProductView, SaleLineRequest } from './generated';
import { lineEstimate } from './money';

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
}

export interface Cart {
  lines: CartLine[];
  billDiscount?: DiscountRequest;
  approval?: Approval;
  customerPhone?: string;
  /** How the customer is shown on the bill: their name, else the number. */
  customerLabel?: string;
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

/** Adds one of `product`; a plain item already on the bill gets one more. */
export function addProduct(
  cart: Cart,
  product: ProductView,
  modifiers: { codes: string[]; names: string[]; extraPaise: number } = { codes: [], names: [], extraPaise: 0 },
  sellExpired = false,
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
    return setQty(cart, same.id, String(Number(same.qty) + 1));
  }
  const line: CartLine = {
    id: nextId++,
    barcode: product.barcode,
    name: product.name,
    unitPaise: product.price.minor + modifiers.extraPaise,
    qty: '1',
    weighed: false,
    modifiers: modifiers.codes,
    modifierNames: modifiers.names,
    ...(sellExpired ? { sellExpired } : {}),
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

export function voidLine(cart: Cart, id: number): Cart {
  const lines = cart.lines.filter((l) => l.id !== id);
  return lines.length ? { ...cart, lines } : emptyCart;
}

export function setLineDiscount(cart: Cart, id: number, discount: DiscountRequest | undefined): Cart {
  return { ...cart, lines: cart.lines.map((l) => (l.id === id ? { ...l, discount } : l)) };
}

/** A valid quantity: positive, at most three decimals. */
export function validQty(qty: string): boolean {
  return /^\d+(\.\d{1,3})?$/.test(qty.trim()) && Number(qty) > 0;
}

/** The lines as the agent takes them (quote, sale and hold alike). */
export function lineRequests(cart: Cart): SaleLineRequest[] {
  return cart.lines.map((l) => ({
    barcode: l.barcode,
    qty: l.weighed ? undefined : l.qty.trim(),
    modifiers: l.modifiers.length ? l.modifiers : undefined,
    discount: l.discount,
    sell_expired: l.sellExpired || undefined,
  }));
}

export function estimatePaise(line: CartLine): number {
  return lineEstimate(line.unitPaise, line.qty);
}

export function itemCount(cart: Cart): number {
  return cart.lines.length;
}
