// Dates and times as the cashier reads them: always in the till's own zone.

const two = (n: number) => String(n).padStart(2, '0');

/** Today in the till's own zone, `YYYY-MM-DD`, as GS1 dates are compared. */
export function localDay(): string {
  const d = new Date();
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/** `2026-12-04 18:05` for an RFC 3339 instant, in the till's own time. */
export function when(at: string): string {
  const d = new Date(at);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}
