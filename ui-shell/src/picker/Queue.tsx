// The orders to pick here, the one due first first, refreshed every few
// seconds (the LAN listener has no event stream): each with its live SLA
// timer and who holds it. Claiming opens the pick screen.

import { useEffect, useState } from 'preact/hooks';
import type { AgentError } from '../api';
import { Notice } from '../components/Dialog';
import type { Handheld, QueuedOrder } from '../generated';
import { t } from '../messages';
import { formatMoney } from '../money';
import { handheld } from './handheld';
import { holder, holderText, shortId } from './sheet';
import { SlaTimer } from './SlaTimer';

const REFRESH_MS = 3000;

export function Queue(props: { me: Handheld; onOpen: (orderId: string) => void; onError: (e: AgentError) => void }) {
  const [orders, setOrders] = useState<QueuedOrder[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    const load = () =>
      handheld.queue().then(
        (q) => {
          if (!live) return;
          setOrders(q);
          setError(null);
        },
        (e: AgentError) => {
          if (!live) return;
          props.onError(e);
          setError(t('picker.stale', { detail: e.forCashier }));
        },
      );
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);

  const claim = async (order: QueuedOrder) => {
    setBusy(order.order_id);
    try {
      await handheld.claim(order.order_id);
      props.onOpen(order.order_id);
    } catch (e) {
      props.onError(e as AgentError);
      setError((e as AgentError).forCashier);
      setBusy(null);
    }
  };

  return (
    <main class="picker-main" aria-labelledby="queue-title">
      <h1 id="queue-title">{t('picker.queueTitle')}</h1>
      <Notice notice={error ? { kind: 'error', text: error } : null} />
      {orders && !orders.length && <p class="empty">{t('picker.queueEmpty')}</p>}
      <ul class="queue" data-testid="queue">
        {(orders ?? []).map((o) => {
          const h = holder(o, props.me);
          const mine = h.kind === 'mine' || (h.kind === 'contested' && h.mine);
          const free = h.kind === 'none';
          const id = shortId(o.order_id);
          return (
            <li key={o.order_id} class={`order-card ${h.kind}`} data-order={o.order_id} aria-labelledby={`order-${id}`}>
              <div class="order-head">
                <h2 id={`order-${id}`}>{t('picker.order', { id })}</h2>
                <SlaTimer dueAt={o.due_at} />
              </div>
              <p class="order-facts">
                <span>{t('picker.lines', { open: o.open_lines, n: o.lines })}</span>
                <span>{formatMoney(o.total)}</span>
                <span class="muted">{o.channel}</span>
              </p>
              <p class={`holder ${h.kind}`} data-testid="holder">
                {holderText(h)}
              </p>
              {(free || mine) && (
                <button type="button" class="primary big wide" disabled={busy !== null} onClick={() => (free ? claim(o) : props.onOpen(o.order_id))}>
                  {busy === o.order_id ? t('common.working') : free ? t('picker.claim') : t('picker.continue')}
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </main>
  );
}
