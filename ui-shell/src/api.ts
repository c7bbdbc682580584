// The agent's loopback API, typed. Every failure becomes an `AgentError`
// carrying words for the cashier; nothing here throws anything else.

import type {
  ApprovedTake,
  Approval,
  CashKind,
  CountedScan,
  CashRequest,
  CloseRequest,
  Customer,
  CustomerPatch,
  DuesPaid,
  DuesPaymentEntry,
  DeviceStatus,
  GoodsReceiptLine,
  GoodsReceiptScan,
  GoodsReceiptStart,
  HeldBill,
  HoldRequest,
  Money,
  OpenRequest,
  PrinterView,
  ProductView,
  QuickKeyPage,
  ReceiptSheet,
  Receivable,
  ReceivedScan,
  ReturnFact,
  ReturnRequest,
  ReturnableSale,
  SaleFact,
  SaleQuote,
  SaleRequest,
  ScannedProduct,
  ShiftReport,
  SignInRequest,
  SignedIn,
  StockTakeCount,
  StockTakeScan,
  StockTakeStart,
  SyncStatus,
  TakeSheet,
  PointsAtTill,
  TillAccount,
  TillSettings,
  TransferCount,
  TransferReceive,
  TransferScan,
  TransferScanBody,
  TransferSheet,
  TransfersAtStore,
  StockAlerts,
} from './generated';
import { inr } from './money';
import { t } from './messages';

// The wire types come from the agent's Rust types (`./generated`, see the
// README's UI section); only what the UI alone uses is written here.

export type { TillSettings } from './generated';

/** A problem the agent reported, or the agent not answering at all. */
export class AgentError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly detail: string,
    readonly field?: string,
    /** The whole problem document, for members beyond these (`tries_left`). */
    readonly problem: Record<string, unknown> = {},
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
        return t('error.shiftNeeded');
      case 'malformed_json':
        return t('error.unreadable');
      case 'invalid_barcode':
        return withoutParserDetail(this.detail);
      default: {
        // The agent leads with the field's path, which means nothing to a
        // cashier, and a parser's position means nothing either.
        const prefix = this.field ? `${this.field}: ` : '';
        const detail = (prefix && this.detail.startsWith(prefix) ? this.detail.slice(prefix.length) : this.detail)
          .replace(/\s*at line \d+ column \d+/g, '');
        return t('error.generic', { detail: detail.charAt(0).toUpperCase() + detail.slice(1) });
      }
    }
  }
}

/** One request to the agent; `headers` adds to the JSON content type (a handheld's token). */
export async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
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
    throw new AgentError(response.status, p.type ?? 'unknown', p.detail ?? response.statusText, p.field, (json ?? {}) as Record<string, unknown>);
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
  signIn: (code: string, pin: string) => call<SignedIn>('POST', '/v1/session', { code, pin } satisfies SignInRequest),
  signOut: () => call<unknown>('DELETE', '/v1/session'),
  status: () => call<SyncStatus>('GET', '/v1/sync/status'),
  byBarcode: (code: string) => call<ScannedProduct>('GET', `/v1/products/by-barcode/${enc(code)}`),
  search: (q: string) => call<ProductView[]>('GET', `/v1/products/search?q=${enc(q)}&limit=12`),
  /** What sells with an item, to offer beside the bill (none offline before the hub was heard). */
  addOns: (variantId: string) => call<ProductView[]>('GET', `/v1/products/${enc(variantId)}/add-ons`),
  settings: () => call<TillSettings>('GET', '/v1/till/settings'),
  /** A line taken off the bill, written to the agent's audit log first. */
  voidLine: (description: string, amountPaise: number) =>
    call<unknown>('POST', '/v1/voids', { kind: 'line', reason: t('void.reason'), description, amount: inr(amountPaise) }),
  quickKeys: () => call<QuickKeyPage[]>('GET', '/v1/quick-keys'),
  quote: (r: SaleRequest) => call<SaleQuote>('POST', '/v1/sales/quote', r),
  sell: (r: SaleRequest) => call<SaleFact>('POST', '/v1/sales', r),
  receiptText: async (saleId: string): Promise<string> => {
    const r = await fetch(`/v1/sales/${enc(saleId)}/receipt?format=text`).catch(() => null);
    if (!r) throw new AgentError(0, 'agent_down', t('error.agentDown'));
    return r.text();
  },
  reprint: (saleId: string) => call<unknown>('POST', `/v1/sales/${enc(saleId)}/receipt`),
  heldBills: () => call<HeldBill[]>('GET', '/v1/held-bills'),
  hold: (request: HoldRequest) => call<HeldBill>('POST', '/v1/held-bills', request),
  resume: (id: string) => call<HeldBill>('POST', `/v1/held-bills/${enc(id)}/resume`),
  saleByReceipt: (no: string) => call<ReturnableSale>('GET', `/v1/sales/by-receipt/${enc(no)}`),
  refund: (body: ReturnRequest) => call<ReturnFact>('POST', '/v1/returns', body),
  shift: () => call<ShiftReport>('GET', '/v1/shifts/current'),
  openShift: (cashier: string, float: Money) => call<ShiftReport>('POST', '/v1/shifts', { cashier, opening_float: float } satisfies OpenRequest),
  moveCash: (kind: CashKind, amount: Money, reason: string) =>
    call<ShiftReport>('POST', '/v1/shifts/current/cash', { kind, amount, reason } satisfies CashRequest),
  closeShift: (counted: Money) => call<ShiftReport>('POST', '/v1/shifts/current/close', { counted_cash: counted } satisfies CloseRequest),
  customers: (q: string) => call<Customer[]>('GET', `/v1/customers?q=${enc(q)}`),
  creditAccount: (phone: string) => call<TillAccount>('GET', `/v1/credit-accounts/${enc(phone)}`),
  points: (phone: string) => call<PointsAtTill>('GET', `/v1/loyalty/${enc(phone)}`),
  findCreditAccounts: (q: string) => call<TillAccount[]>('GET', `/v1/credit-accounts?q=${enc(q)}`),
  payDues: (phone: string, entry: DuesPaymentEntry) =>
    call<DuesPaid>('POST', `/v1/credit-accounts/${enc(phone)}/payments`, entry),
  saveCustomer: (phone: string, patch: CustomerPatch) =>
    call<Customer>('PUT', `/v1/customers/${enc(phone)}`, patch),
  devices: () => call<Record<string, DeviceStatus>>('GET', '/v1/devices'),
  printers: () => call<PrinterView[]>('GET', '/v1/printers'),
  testPrint: (name: string) => call<unknown>('POST', `/v1/printers/${enc(name)}/test`),
  stockTakes: () => call<TakeSheet[]>('GET', '/v1/stock-takes'),
  stockTake: (id: string) => call<TakeSheet>('GET', `/v1/stock-takes/${enc(id)}`),
  startStockTake: (body: StockTakeStart) => call<TakeSheet>('POST', '/v1/stock-takes', body),
  setCount: (id: string, body: StockTakeCount) => call<TakeSheet>('PUT', `/v1/stock-takes/${enc(id)}/counts`, body),
  countScan: (id: string, body: StockTakeScan) => call<CountedScan>('POST', `/v1/stock-takes/${enc(id)}/scans`, body),
  approveStockTake: (id: string, approval?: Approval) => call<ApprovedTake>('POST', `/v1/stock-takes/${enc(id)}/approve`, { approval }),
  cancelStockTake: (id: string, approval?: Approval) => call<TakeSheet>('POST', `/v1/stock-takes/${enc(id)}/cancel`, { approval }),
  stockAlerts: (days: number) => call<StockAlerts>('GET', `/v1/stock-alerts?days=${days}`),
  transfers: () => call<TransfersAtStore>('GET', '/v1/transfers'),
  transferScan: (id: string, body: TransferScanBody) => call<TransferScan>('POST', `/v1/transfers/${enc(id)}/scans`, body),
  setTransferCount: (id: string, body: TransferCount) => call<TransferSheet>('PUT', `/v1/transfers/${enc(id)}/count`, body),
  dispatchTransfer: (id: string) => call<TransferSheet>('POST', `/v1/transfers/${enc(id)}/dispatch`, {}),
  receiveTransfer: (id: string, body: TransferReceive) => call<TransferSheet>('POST', `/v1/transfers/${enc(id)}/receive`, body),
  receivable: () => call<Receivable>('GET', '/v1/purchase-orders'),
  goodsReceipts: () => call<ReceiptSheet[]>('GET', '/v1/goods-receipts'),
  goodsReceipt: (id: string) => call<ReceiptSheet>('GET', `/v1/goods-receipts/${enc(id)}`),
  startGoodsReceipt: (body: GoodsReceiptStart) => call<ReceiptSheet>('POST', '/v1/goods-receipts', body),
  receiveScan: (id: string, body: GoodsReceiptScan) => call<ReceivedScan>('POST', `/v1/goods-receipts/${enc(id)}/scans`, body),
  setReceiptLine: (id: string, body: GoodsReceiptLine) => call<ReceiptSheet>('PUT', `/v1/goods-receipts/${enc(id)}/lines`, body),
  postGoodsReceipt: (id: string) => call<ReceiptSheet>('POST', `/v1/goods-receipts/${enc(id)}/post`, {}),
  cancelGoodsReceipt: (id: string) => call<ReceiptSheet>('POST', `/v1/goods-receipts/${enc(id)}/cancel`, {}),
};

/** A barcode refusal as the cashier reads it: the agent's sentence, without
 *  the parser's reason it adds in brackets for the logs. */
export function withoutParserDetail(detail: string): string {
  return detail.replace(/\.\s*\(.*\)\s*$/s, '.');
}
