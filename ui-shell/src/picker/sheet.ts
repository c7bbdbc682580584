// What the picker screens read off the agent's answers, without I/O: the
// time left on an order's delivery promise, quantities, who holds an order,
// and what packing will come to. Quantities stay decimal strings and money
// integer paise: nothing here goes through floating point.

import type { Handheld, PickSheet, QueuedOrder, SheetLine } from '../generated';
import { lineEstimate } from '../money';
import { t } from '../messages';

/** The last six characters of an order id: enough to tell orders apart on a shelf. */
export const shortId = (id: string) => id.replace(/-/g, '').slice(-6);

/** A decimal quantity string in thousandths. */
export function milli(qty: string): number {
  const m = /^(-?)(\d+)(?:\.(\d{1,3}))?$/.exec(qty.trim());
  if (!m) return 0;
  const value = Number(m[2]) * 1000 + Number((m[3] ?? '').padEnd(3, '0'));
  return m[1] ? -value : value;
}

/** `2 of 3`, or `1.48 of 1.5 kg` for a weighed line. */
export function progress(line: SheetLine): string {
  return t(line.weighed ? 'picker.ofWeight' : 'picker.ofQty', { picked: line.picked, qty: line.qty });
}

export interface Sla {
  overdue: boolean;
  /** `12:05`, or `1:02:05` past an hour. */
  clock: string;
}

/** Time left on (or past) `dueAt` at `now` (ms), to the second. */
export function slaAt(dueAt: string, now: number): Sla | null {
  const due = Date.parse(dueAt);
  if (Number.isNaN(due)) return null;
  const left = Math.floor((due - now) / 1000);
  const secs = Math.abs(left);
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  return { overdue: left < 0, clock: h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}` };
}

export type Holder =
  | { kind: 'none' }
  | { kind: 'mine' }
  | { kind: 'other'; name: string }
  | { kind: 'contested'; winner: string | null; mine: boolean };

/**
 * Who holds the order, as this device's picker sees it. Claims are per
 * station (every handheld of this till shares its terminal), so "mine" is
 * the picker's staff id, not the terminal.
 */
export function holder(order: QueuedOrder, me: Handheld | null): Holder {
  const myId = me?.picker?.staff_id;
  const claims = order.claims;
  if (order.contested) {
    // Until the hub settles it, whoever claimed it here picks on (offline
    // picking goes on); once it has, only the winner.
    const winner = order.winner ?? null;
    const mine = winner ? winner.staff_id === myId : claims.some((c) => c.picker.staff_id === myId);
    return { kind: 'contested', winner: winner?.name ?? null, mine };
  }
  if (!claims.length && !order.winner) return { kind: 'none' };
  const first = order.winner ?? claims[0].picker;
  return first.staff_id === myId ? { kind: 'mine' } : { kind: 'other', name: first.name };
}

/** The words for a holder, as the queue shows them. */
export function holderText(h: Holder): string {
  switch (h.kind) {
    case 'none':
      return t('picker.unclaimed');
    case 'mine':
      return t('picker.mine');
    case 'other':
      return t('picker.otherPicker', { name: h.name });
    case 'contested':
      return h.winner ? t('picker.contested', { name: h.winner }) : t('picker.contestedWaiting');
  }
}

/** The name of what a pick took: the line's item or one of its substitutes. */
export function pickName(line: SheetLine, variantId: string): string {
  if (variantId === line.variant_id) return line.name;
  return line.substitutes.find((s) => s.variant_id === variantId)?.name ?? line.name;
}

/**
 * What the picks come to at the order's prices, each pick rounded as the
 * agent rounds it (a substitute at the price the customer was promised), so
 * the confirmation shows the total packing will record.
 */
export function packedEstimate(sheet: PickSheet): number {
  let total = 0;
  for (const line of sheet.sheet) {
    for (const pick of line.picks) {
      const price =
        pick.variant_id === line.variant_id
          ? line.unit_price.minor
          : (line.substitutes.find((s) => s.variant_id === pick.variant_id)?.unit_price.minor ?? 0);
      total += lineEstimate(price, pick.qty);
    }
  }
  return total;
}

/** Lines closed short, and lines made up with a substitute. */
export function shortAndSubstituted(sheet: PickSheet): { short: SheetLine[]; substituted: SheetLine[] } {
  return {
    short: sheet.sheet.filter((l) => l.status === 'short'),
    substituted: sheet.sheet.filter((l) => milli(l.substituted) > 0),
  };
}
