// Money is integer paise from the agent to the screen; this is the only place
// it becomes text, and parsing never goes through floating point.

import type { Money } from './generated';

/** Groups rupees the Indian way: the last three digits, then pairs. */
function groupIndian(digits: string): string {
  if (digits.length <= 3) return digits;
  const last3 = digits.slice(-3);
  let head = digits.slice(0, -3);
  const pairs: string[] = [];
  while (head.length > 2) {
    pairs.unshift(head.slice(-2));
    head = head.slice(0, -2);
  }
  if (head) pairs.unshift(head);
  return `${pairs.join(',')},${last3}`;
}

/** `123456050` paise → `₹12,34,560.50`; negative amounts get a leading minus. */
export function formatPaise(paise: number): string {
  // Beyond exact integers a figure would print as 1e+21: show none rather than a wrong one.
  if (!Number.isSafeInteger(Math.trunc(paise))) return '—';
  const sign = paise < 0 ? '−' : '';
  const abs = Math.abs(Math.trunc(paise));
  const rupees = Math.floor(abs / 100).toString();
  const rest = (abs % 100).toString().padStart(2, '0');
  return `${sign}₹${groupIndian(rupees)}.${rest}`;
}

export function formatMoney(m: Money | undefined | null): string {
  return m ? formatPaise(m.minor) : '';
}

/**
 * What a cashier typed (`150`, `150.5`, `1,500.00`, `₹20`) → paise, or null
 * when it is not an amount of rupees with at most two decimals.
 */
export function parseRupees(text: string): number | null {
  const cleaned = text.trim().replace(/^₹/, '').replace(/,/g, '').trim();
  const m = /^(\d{1,9})(?:\.(\d{0,2}))?$/.exec(cleaned);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

export function inr(minor: number): Money {
  return { minor, currency: 'INR' };
}

/**
 * `unit × qty` in paise for a decimal quantity string (up to 3 places), rounded
 * half up as the agent rounds; used only for the estimate shown before the
 * agent's quote arrives.
 */
export function lineEstimate(unitPaise: number, qty: string): number {
  const m = /^(\d+)(?:\.(\d{1,3}))?$/.exec(qty.trim());
  if (!m) return 0;
  const milli = Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0'));
  return Math.floor((unitPaise * milli + 500) / 1000);
}
