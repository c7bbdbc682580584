// Stock alerts: what to reorder (items at or below the reorder point HQ set,
// against this till's live stock) and what to pull or sell first (batches
// expiring within the days chosen). With the hub out of reach the lists
// stand on its last answer, and the screen says how old that is.

import { useEffect, useState } from 'preact/hooks';
import { AgentError, api } from '../api';
import type { StockAlerts } from '../generated';
import { useArrivalFocus } from '../focus';
import { useKeys } from '../keys';
import { t } from '../messages';
import { Notice } from '../components/Dialog';
import { when } from '../clock';


function daysLeftWords(n: number): string {
  if (n < 0) return t('alerts.expired', { n: -n });
  if (n === 0) return t('alerts.today');
  return n === 1 ? t('alerts.dayLeft') : t('alerts.daysLeft', { n });
}

const DAY_CHOICES = [3, 7, 14, 30];

export function StockAlertsScreen(props: { onBack: () => void }) {
  const [alerts, setAlerts] = useState<StockAlerts | null>(null);
  const [days, setDays] = useState(7);
  const [error, setError] = useState<string | null>(null);
  const rootRef = useArrivalFocus<HTMLElement>('alerts');
  useKeys({ Escape: props.onBack });

  const load = async (d: number) => {
    setError(null);
    try {
      setAlerts(await api.stockAlerts(d));
    } catch (e) {
      setError((e as AgentError).forCashier);
    }
  };
  useEffect(() => void load(days), [days]);

  return (
    <main class="list-screen" ref={rootRef}>
      <section class="card">
        <h1>{t('alerts.title')}</h1>
        <p class="muted" data-testid="alerts-as-of">
          {alerts === null
            ? t('alerts.loading')
            : alerts.as_of === undefined
              ? t('alerts.never')
              : alerts.fresh
                ? t('alerts.fresh', { when: when(alerts.as_of) })
                : t('alerts.kept', { when: when(alerts.as_of) })}
        </p>
        <h2>{t('alerts.low')}</h2>
        {alerts && alerts.low_stock.length === 0 && <p class="muted">{t('alerts.noneLow')}</p>}
        {alerts && alerts.low_stock.length > 0 && (
          <table class="lines" data-testid="low-stock">
            <thead>
              <tr>
                <th scope="col">{t('sale.item')}</th>
                <th scope="col" class="num">{t('alerts.inStock')}</th>
                <th scope="col" class="num">{t('alerts.reorderAt')}</th>
              </tr>
            </thead>
            <tbody>
              {alerts.low_stock.map((i) => (
                <tr key={i.variant_id}>
                  <td>{i.name}</td>
                  <td class="num warning">{i.available}</td>
                  <td class="num">{i.reorder_point}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h2>{t('alerts.expiring')}</h2>
        <label>
          {t('alerts.within')}
          <select name="alert-days" value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value))}>
            {DAY_CHOICES.map((d) => (
              <option key={d} value={String(d)}>{t('alerts.daysOption', { n: d })}</option>
            ))}
          </select>
        </label>
        {alerts && alerts.expiring.length === 0 && <p class="muted">{t('alerts.noneExpiring', { n: alerts.days })}</p>}
        {alerts && alerts.expiring.length > 0 && (
          <table class="lines" data-testid="expiring">
            <thead>
              <tr>
                <th scope="col">{t('sale.item')}</th>
                <th scope="col">{t('goods.batchCol')}</th>
                <th scope="col">{t('alerts.expires')}</th>
                <th scope="col" class="num">{t('alerts.onHand')}</th>
              </tr>
            </thead>
            <tbody>
              {alerts.expiring.map((b) => (
                <tr key={`${b.variant_id}/${b.code}`}>
                  <td>{b.name}</td>
                  <td>{b.code}</td>
                  <td class={b.days_left < 0 ? 'warning' : ''}>
                    {b.expires_on} · {daysLeftWords(b.days_left)}
                  </td>
                  <td class="num">{b.on_hand}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Notice notice={error ? { kind: 'error', text: error } : null} />
        <button type="button" onClick={props.onBack}>{t('common.back')}</button>
      </section>
    </main>
  );
}
