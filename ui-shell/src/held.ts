// A held bill back on the till: every line as it was held (quantity,
// modifiers, discounts, overrides), the bill discount and the customer, and
// the bill's id, under which the agent lets the approval given when it was
// held stand while its discounts are unchanged.

import type { HeldBill } from './generated';
import { newLineId, type Cart, type CartLine } from './cart';

export function cartFromHeld(bill: HeldBill): Cart {
  const lines: CartLine[] = bill.lines.map((l) => ({
    id: newLineId(),
    barcode: l.barcode,
    name: l.name ?? l.barcode,
    // The agent's quote prices it at once; until then the held total stands.
    unitPaise: 0,
    qty: l.qty ?? '',
    weighed: l.qty === undefined || l.qty === null,
    modifiers: l.modifiers ?? [],
    modifierNames: [],
    ...(l.discount ? { discount: l.discount } : {}),
    ...(l.price_override ? { priceOverride: l.price_override } : {}),
    ...(l.sell_expired ? { sellExpired: true } : {}),
  }));
  return {
    lines,
    ...(bill.bill_discount ? { billDiscount: bill.bill_discount } : {}),
    ...(bill.customer_phone ? { customerPhone: bill.customer_phone, customerLabel: bill.customer_name ?? bill.customer_phone } : {}),
    resumedBill: bill.bill_id,
  };
}

/** What a held bill is called in the list: its note, its customer, else its first items. */
export function heldName(bill: HeldBill): string {
  if (bill.note) return bill.note;
  if (bill.customer_name || bill.customer_phone) return (bill.customer_name ?? bill.customer_phone)!;
  const names = bill.lines.map((l) => l.name ?? l.barcode);
  return names.length > 2 ? `${names.slice(0, 2).join(', ')} +${names.length - 2}` : names.join(', ');
}
