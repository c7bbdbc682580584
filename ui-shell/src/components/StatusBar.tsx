// Always on screen: the link to the hub, what is waiting to be sent, the
// receipt printer and its queue, the cashier, the terminal and the shift.
// Offline is shown calmly, in words.

import { useEffect, useState } from 'preact/hooks';
import type { PrinterView, ShiftReport, SignedIn, SyncStatus } from '../generated';
import { t, type MessageKey } from '../messages';

/** How long ago, in words: "just now", "14 min", "3 h 5 min", "2 days". */
export function age(iso: string, now: number): string {
  const minutes = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60000));
  if (!Number.isFinite(minutes) || minutes < 1) return t('age.now');
  if (minutes < 60) return t('age.minutes', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? t('age.hoursMinutes', { h: hours, m: minutes % 60 }) : t('age.hours', { n: hours });
  return t('age.days', { n: Math.floor(hours / 24) });
}

/** The time now, moving on every half minute: ages on screen stay true. */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function clock(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? ''
    : d.toLocaleTimeString('en-IN', { hour: '2-digit', minute: '2-digit' });
}

export function StatusBar(props: {
  status: SyncStatus | null;
  agentUp: boolean;
  cashier: SignedIn | null;
  shift: ShiftReport | null;
  /** Selling needs an open shift on this till. */
  shiftRequired: boolean;
  /** The receipt printer, when the till has one. */
  printer?: PrinterView | null;
  onSwitch: () => void;
}) {
  const { status, agentUp, cashier, shift, printer } = props;
  const now = useNow();
  const shiftOpen = !!shift && !shift.closed_at;
  const link = !agentUp ? 'down' : (status?.state ?? 'offline');
  const linkText = link === 'down' ? t('status.agentDown') : t(`status.${link}` as MessageKey);
  const quarantined = status?.quarantined ?? 0;
  const writtenOff = status?.written_off ?? 0;
  const queued = status?.queued ?? 0;
  // Why the link is not online: the hub's refusal of uploads, or why the
  // till cannot follow the hub's changes or the store's documents, when
  // degraded; else the last error.
  const why =
    status?.upload_refused ?? status?.feed_failing ?? status?.documents_failing ?? status?.last_error ?? '';
  return (
    <header class="status-bar">
      <span class="terminal" data-testid="terminal">
        {status?.terminal_name ?? t('status.notEnrolled')}
      </span>
      <span class={`link ${link}`} data-testid="link" data-link={link} title={why} role="status">
        <span class="dot" aria-hidden="true" />
        {linkText}
      </span>
      <span class={queued > 0 ? 'queued waiting' : 'queued'} data-testid="queued" data-queued={queued}>
        {queued > 0 && status?.oldest_unsent_at
          ? t('status.queuedSince', { n: queued, age: age(status.oldest_unsent_at, now) })
          : t('status.queued', { n: queued })}
      </span>
      {status?.store && status.store.status !== 'open' && (
        <span class="quarantined" data-testid="store-status" data-store-status={status.store.status}>
          {status.store.status === 'maintenance' ? t('status.storeMaintenance') : t('status.storeClosed')}
        </span>
      )}
      {quarantined > 0 && (
        <span class="quarantined" data-testid="quarantined" data-quarantined={quarantined}>
          {t('status.quarantined', { n: quarantined })}
        </span>
      )}
      {writtenOff > 0 && (
        <span class="written-off" data-testid="written-off" data-written-off={writtenOff}>
          {t('status.writtenOff', { n: writtenOff })}
        </span>
      )}
      {printer && (
        <span
          class={`printer ${printer.state}`}
          data-testid="printer"
          data-printer-state={printer.state}
          data-printer-queued={printer.queued}
          title={printer.last_error ?? printer.warning ?? ''}
        >
          {printer.state === 'error'
            ? t('status.printerError')
            : printer.state === 'paper_low'
              ? t('status.printerPaperLow')
              : t('status.printerReady')}
          {printer.queued > 0 && ` — ${t('status.printerWaiting', { n: printer.queued })}`}
          {printer.unconfirmed > 0 && ` — ${t('status.printerUnconfirmed', { n: printer.unconfirmed })}`}
        </span>
      )}
      <span class="last-sync">
        {status?.last_sync_at ? t('status.lastSync', { time: clock(status.last_sync_at) }) : t('status.never')}
      </span>
      <span class={!shiftOpen && props.shiftRequired ? 'shift needed' : 'shift'} data-testid="shift" data-shift-required={props.shiftRequired}>
        {shiftOpen
          ? t('status.shift', { time: clock(shift.opened_at) })
          : props.shiftRequired
            ? t('status.noShiftRequired')
            : t('status.noShift')}
      </span>
      {cashier && (
        <span class="cashier" data-testid="cashier">
          {t('status.cashier', { name: cashier.name })}
          <button type="button" class="link-button" onClick={props.onSwitch}>
            {t('login.switch')}
          </button>
        </span>
      )}
    </header>
  );
}
