// The customer-facing display at /display: a second monitor (or a small
// pole display) turned to the customer. It follows the agent's `display`
// event stream, which starts with what is on show now, and shows the bill's
// lines, the total, what was paid and the change, the UPI QR to scan, or a
// welcome when the counter is idle. Large type, for a customer a metre
// away; nothing to press.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { DisplayState } from '../generated';
import { formatMoney } from '../money';
import { qrSource } from './qr';
import { w } from './words';
import './display.css';

export function DisplayApp() {
  const [state, setState] = useState<DisplayState>({ lines: [] });
  const [connected, setConnected] = useState(true);

  useEffect(() => {
    document.title = w('display.title');
    // EventSource reconnects by itself; the agent sends the current state
    // first on every connection, so nothing is missed after a restart.
    const events = new EventSource('/v1/display/events');
    events.addEventListener('display', (e) => {
      try {
        setState(JSON.parse((e as MessageEvent<string>).data) as DisplayState);
        setConnected(true);
      } catch {
        // Not a state: keep showing the last one.
      }
    });
    events.onerror = () => setConnected(false);
    return () => events.close();
  }, []);

  const idle = state.lines.length === 0 && !state.total && !state.upi;
  return (
    <main class={`cd${state.upi ? ' with-upi' : ''}`} data-testid="customer-display">
      {idle ? <Idle message={state.message} /> : <Bill state={state} />}
      {state.upi && <Upi state={state} />}
      {!connected && (
        <p class="cd-lost" role="status">
          {w('display.lost')}
        </p>
      )}
    </main>
  );
}

function Idle({ message }: { message?: string }) {
  return (
    <section class="cd-idle" data-testid="cd-idle">
      <h1>{message ?? w('display.welcome')}</h1>
      {!message && <p>{w('display.welcomeMore')}</p>}
    </section>
  );
}

function Bill({ state }: { state: DisplayState }) {
  const list = useRef<HTMLDivElement>(null);
  // The newest line is the one the customer just saw scanned: keep it in
  // view when lines come and when the screen changes size (a window moved
  // to the customer's monitor).
  useLayoutEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [state.lines]);
  useEffect(() => {
    const el = list.current;
    if (!el) return;
    const pin = new ResizeObserver(() => {
      el.scrollTop = el.scrollHeight;
    });
    pin.observe(el);
    return () => pin.disconnect();
  }, []);
  return (
    <section class="cd-bill" aria-labelledby="cd-bill-title">
      <h1 id="cd-bill-title" class="cd-title">
        {w('display.bill')}
        <span class="cd-count">{w('display.items', { n: state.lines.length })}</span>
      </h1>
      {/* Scrolls by design: a long bill shows its newest lines. */}
      <div class="cd-lines" ref={list} data-scrolls>
        <table data-testid="cd-lines">
          <thead class="sr-only">
            <tr>
              <th scope="col">{w('display.item')}</th>
              <th scope="col">{w('display.qty')}</th>
              <th scope="col">{w('display.amount')}</th>
            </tr>
          </thead>
          <tbody>
            {state.lines.map((line, i) => (
              <tr key={i}>
                <td class="cd-name">{line.name}</td>
                <td class="cd-qty num">{line.qty}</td>
                <td class="cd-amount num">{formatMoney(line.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl class="cd-sums">
        {state.total && <Sum label={w('display.total')} money={formatMoney(state.total)} id="cd-total" big />}
        {state.paid && <Sum label={w('display.paid')} money={formatMoney(state.paid)} id="cd-paid" />}
        {state.change && <Sum label={w('display.change')} money={formatMoney(state.change)} id="cd-change" big />}
      </dl>
      {state.message && (
        <p class="cd-message" data-testid="cd-message">
          {state.message}
        </p>
      )}
    </section>
  );
}

function Sum({ label, money, id, big }: { label: string; money: string; id: string; big?: boolean }) {
  return (
    <div class={`cd-sum${big ? ' big' : ''}`}>
      <dt>{label}</dt>
      <dd class="num" data-testid={id}>
        {money}
      </dd>
    </div>
  );
}

function Upi({ state }: { state: DisplayState }) {
  const upi = state.upi!;
  const words = { amount: formatMoney(upi.amount), payee: upi.payee_name };
  return (
    <section class="cd-upi" aria-labelledby="cd-upi-pay">
      <img class="cd-qr" src={qrSource(upi.qr_svg)} alt={w('display.qrAlt', words)} data-testid="cd-qr" />
      <p id="cd-upi-pay" class="cd-pay" data-testid="cd-upi-text">
        {w('display.scanToPay', words)}
      </p>
    </section>
  );
}
