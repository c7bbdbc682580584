// The agent's loopback API, typed. Every failure becomes an `AgentError`
// carrying words for the cashier; nothing here throws anything else.

import type { Money } from './money';
import { t } from './messages';

export interface ModifierOption { code: string; name: string; price: Money }
export interface ModifierGroup { name: string; min: number; max: number; options: ModifierOption[] }

export interface Product {
  variant_id: string;
  name: string;
  sku: string;
  barcode: string;
  price: Money;
  available: string;
  modifiers?: ModifierGroup[];
  brand?: string;
  quick_key?: number;
}

export interface QuickKeyPage { category_id: string | null; path: string[]; keys: Product[] }

export interface SignedIn { staff_id: string; name: string; role: string; since: string }

export interface SyncStatus {
  enrolled: boolean;
  terminal_name: string | null;
  online: boolean;
  /** The sync status in words. */
  state: 'online' | 'offline' | 'degraded' | 'stalled' | 'revoked';
  last_sync_at: string | null;
  last_error: string | null;
  queued: number;
  quarantined: number;
  cursor: number;
}

export interface DiscountRequest { percent?: string; amount?: Money; reason: string }
export interface LineRequest { barcode: string; qty?: string; modifiers?: string[]; discount?: DiscountRequest }
export interface Approval { code: string; pin: string }
export interface Tender { method: 'cash' | 'card' | 'upi'; amount: Money; reference?: string }

export interface SaleRequest {
  sale_id?: string;
  lines: LineRequest[];
  tenders: Tender[];
  bill_discount?: DiscountRequest;
  approval?: Approval;
  customer_phone?: string;
}

export interface SaleLine {
  barcode: string;
  name: string;
  qty: string;
  unit_price: Money;
  line_total: Money;
  discount?: { amount: Money; reason: string };
  modifiers?: { group: string; code: string; name: string; price: Money }[];
}

export interface Quote {
  lines: SaleLine[];
  total: Money;
  cash_rounding: Money;
  cash_payable: Money;
  discount_approved_by?: { name: string };
  warnings?: string[];
}

export interface Sale {
  sale_id: string;
  receipt_no: string;
  lines: SaleLine[];
  total: Money;
  tenders: Tender[];
  change_due: Money;
  rounding?: Money;
}

export interface HeldBill {
  bill_id: string;
  lines: { barcode: string; qty?: string; modifiers?: string[] }[];
  note?: string;
  held_by: string;
  held_at: string;
  resumed_by: string[];
}

export interface TenderTotal { method: string; amount: Money }
export interface ShiftReport {
  shift_id: string;
  opened_by: string;
  opened_at: string;
  closed_at?: string;
  opening_float: Money;
  sales_count: number;
  sales_total: Money;
  rounding: Money;
  tenders: TenderTotal[];
  change_given: Money;
  discounts_total: Money;
  returns_count: number;
  refunds_total: Money;
  cash_in: Money;
  cash_out: Money;
  expected_cash: Money;
  counted_cash?: Money;
  variance?: Money;
}

export interface ReturnableSale { sale: Sale; returned: string[] }

export interface Printer {
  name: string;
  address: string;
  receipts: boolean;
  state: string;
  last_error: string | null;
  queued: number;
  failed: number;
}

export interface Customer { phone: string; name?: string; gstin?: string }

export interface DeviceStatus { kind: string; connected: boolean; last_error: string | null; scans: number }

/** A problem the agent reported, or the agent not answering at all. */
export class AgentError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(detail);
  }

  /** What the cashier reads: the agent's words, or ours for the common cases. */
  get forCashier(): string {
    switch (this.type) {
      case 'agent_down':
        return t('error.agentDown');
      case 'not_enrolled':
        return t('error.notEnrolled');
      case 'unauthorized':
        return t('error.signIn');
      case 'no_open_shift':
        return t('error.noShift');
      default: {
        // The agent leads with the field's path, which means nothing to a cashier.
        const prefix = this.field ? `${this.field}: ` : '';
        const detail = prefix && this.detail.startsWith(prefix) ? this.detail.slice(prefix.length) : this.detail;
        return t('error.generic', { detail });
      }
    }
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new AgentError(0, 'agent_down', t('error.agentDown'));
  }
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const p = (json ?? {}) as { type?: string; detail?: string; field?: string };
    throw new AgentError(response.status, p.type ?? 'unknown', p.detail ?? response.statusText, p.field);
  }
  return json as T;
}

const enc = encodeURIComponent;

export const api = {
  session: () =>
    call<SignedIn>('GET', '/v1/session').catch((e: AgentError) => {
      if (e.type === 'signed_out') return null;
      throw e;
    }),
  signIn: (code: string, pin: string) => call<SignedIn>('POST', '/v1/session', { code, pin }),
  signOut: () => call<unknown>('DELETE', '/v1/session'),
  status: () => call<SyncStatus>('GET', '/v1/sync/status'),
  byBarcode: (code: string) => call<Product>('GET', `/v1/products/by-barcode/${enc(code)}`),
  search: (q: string) => call<Product[]>('GET', `/v1/products/search?q=${enc(q)}&limit=12`),
  quickKeys: () => call<QuickKeyPage[]>('GET', '/v1/quick-keys'),
  quote: (r: SaleRequest) => call<Quote>('POST', '/v1/sales/quote', r),
  sell: (r: SaleRequest) => call<Sale>('POST', '/v1/sales', r),
  receiptText: async (saleId: string): Promise<string> => {
    const r = await fetch(`/v1/sales/${enc(saleId)}/receipt?format=text`).catch(() => null);
    if (!r) throw new AgentError(0, 'agent_down', t('error.agentDown'));
    return r.text();
  },
  reprint: (saleId: string) => call<unknown>('POST', `/v1/sales/${enc(saleId)}/receipt`),
  heldBills: () => call<HeldBill[]>('GET', '/v1/held-bills'),
  hold: (lines: LineRequest[], note?: string) => call<HeldBill>('POST', '/v1/held-bills', { lines, note }),
  resume: (id: string) => call<HeldBill>('POST', `/v1/held-bills/${enc(id)}/resume`),
  saleByReceipt: (no: string) => call<ReturnableSale>('GET', `/v1/sales/by-receipt/${enc(no)}`),
  refund: (body: unknown) => call<{ receipt_no: string; total: Money }>('POST', '/v1/returns', body),
  shift: () => call<ShiftReport>('GET', '/v1/shifts/current'),
  openShift: (cashier: string, float: Money) => call<ShiftReport>('POST', '/v1/shifts', { cashier, opening_float: float }),
  moveCash: (kind: 'in' | 'out', amount: Money, reason: string) =>
    call<ShiftReport>('POST', '/v1/shifts/current/cash', { kind, amount, reason }),
  closeShift: (counted: Money) => call<ShiftReport>('POST', '/v1/shifts/current/close', { counted_cash: counted }),
  customers: (q: string) => call<Customer[]>('GET', `/v1/customers?q=${enc(q)}`),
  saveCustomer: (phone: string, patch: { name?: string; gstin?: string }) =>
    call<Customer>('PUT', `/v1/customers/${enc(phone)}`, patch),
  devices: () => call<Record<string, DeviceStatus>>('GET', '/v1/devices'),
  printers: () => call<Printer[]>('GET', '/v1/printers'),
  testPrint: (name: string) => call<unknown>('POST', `/v1/printers/${enc(name)}/test`),
};
