// Every word the customer's display and the UPI QR panel show. Kept beside
// them (not in ../messages.ts) so the display's chunk carries only its own;
// the same `{name}` placeholders as the cashier's messages.

const en = {
  'display.title': 'Customer display',
  'display.welcome': 'Welcome!',
  'display.welcomeMore': 'Your items will appear here as they are scanned.',
  'display.bill': 'Your bill',
  'display.item': 'Item',
  'display.qty': 'Qty',
  'display.amount': 'Amount',
  'display.items': '{n} items',
  'display.total': 'Total',
  'display.paid': 'Paid',
  'display.change': 'Your change',
  'display.scanToPay': 'Scan to pay {amount} to {payee}',
  'display.qrAlt': 'UPI QR code: pay {amount} to {payee}',
  'display.lost': 'Reconnecting to the till…',
  'upi.title': 'UPI',
  'upi.asking': 'Making the UPI QR…',
  'upi.scanToPay': 'Scan to pay {amount} to {payee}',
  'upi.qrAlt': 'UPI QR code: pay {amount} to {payee}',
  'upi.notConfigured': 'UPI QR is not set up at this till. Take UPI on the store’s own QR or another way, and ask the manager to set up UPI for this till.',
  'upi.shownToCustomer': 'Also shown on the customer’s display.',
} as const;

export type WordKey = keyof typeof en;

/** The words for `key`, with `{name}` placeholders filled in. */
export function w(key: WordKey, values: Record<string, string | number> = {}): string {
  return en[key].replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}
