// Always on screen: the link to the hub, what is waiting to be sent, the
// cashier, the terminal and the shift. Offline is shown calmly, in words.

import type { ShiftReport, SignedIn, SyncStatus } from '../api';
import { t, type MessageKey } from '../messages';

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
  onSwitch: () => void;
}) {
  const { status, agentUp, cashier, shift } = props;
  const link = !agentUp ? 'down' : (status?.state ?? (status?.online ? 'online' : 'offline'));
  const linkText = link === 'down' ? t('status.agentDown') : t(`status.${link}` as MessageKey);
  const quarantined = status?.quarantined ?? 0;
  return (
    <header class="status-bar">
      <span class="terminal" data-testid="terminal">
        {status?.terminal_name ?? t('status.notEnrolled')}
      </span>
      <span class={`link ${link}`} data-testid="link" data-link={link} title={status?.last_error ?? ''}>
        <span class="dot" aria-hidden="true" />
        {linkText}
      </span>
      <span data-testid="queued" data-queued={status?.queued ?? 0}>
        {t('status.queued', { n: status?.queued ?? 0 })}
      </span>
      {quarantined > 0 && (
        <span class="quarantined" data-testid="quarantined" data-quarantined={quarantined}>
          {t('status.quarantined', { n: quarantined })}
        </span>
      )}
      <span class="last-sync">
        {status?.last_sync_at ? t('status.lastSync', { time: clock(status.last_sync_at) }) : t('status.never')}
      </span>
      <span data-testid="shift">
        {shift && !shift.closed_at ? t('status.shift', { time: clock(shift.opened_at) }) : t('status.noShift')}
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
