// An order's delivery promise, counting down each second: time left, or
// time overdue in red once it is broken. The clock is this device's; the
// deadline is the hub's (`due_at`), so a device's clock far off shows as a
// wrong countdown, never as a wrong deadline.

import { useEffect, useState } from 'preact/hooks';
import { t } from '../messages';
import { slaAt } from './sheet';

export function SlaTimer(props: { dueAt: string | undefined }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const sla = props.dueAt ? slaAt(props.dueAt, now) : null;
  if (!sla) return <span class="sla none" data-testid="sla">{t('picker.noSla')}</span>;
  const label = t(sla.overdue ? 'picker.overdueLabel' : 'picker.leftLabel', { time: sla.clock });
  return (
    <span
      class={`sla ${sla.overdue ? 'overdue' : 'left'}`}
      role="timer"
      aria-label={label}
      data-testid="sla"
      data-overdue={String(sla.overdue)}
    >
      {t(sla.overdue ? 'picker.overdue' : 'picker.left', { time: sla.clock })}
    </span>
  );
}
