// The till's scanners and printers as the agent sees them, with a test print.

import { useEffect, useState } from 'preact/hooks';
import { AgentError, api } from '../api';
import type { DeviceStatus, PrinterView } from '../generated';
import { useArrivalFocus } from '../focus';
import { useKeys } from '../keys';
import { t } from '../messages';
import { Notice } from '../components/Dialog';

export function DevicesScreen(props: { onBack: () => void }) {
  const [scanners, setScanners] = useState<Record<string, DeviceStatus>>({});
  const [printers, setPrinters] = useState<PrinterView[]>([]);
  const [notice, setNotice] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const load = () => {
    api.devices().then(setScanners, (e: AgentError) => setNotice({ kind: 'error', text: e.forCashier }));
    api.printers().then(setPrinters, (e: AgentError) => setNotice({ kind: 'error', text: e.forCashier }));
  };
  useEffect(load, []);
  const rootRef = useArrivalFocus<HTMLElement>();
  useKeys({ Escape: props.onBack });
  const test = (name: string) =>
    api.testPrint(name).then(
      () => {
        setNotice({ kind: 'info', text: t('devices.testSent', { name }) });
        load();
      },
      (e: AgentError) => setNotice({ kind: 'error', text: e.forCashier }),
    );
  const names = Object.keys(scanners);
  return (
    <main class="list-screen" ref={rootRef}>
      <section class="card">
        <h1>{t('devices.title')}</h1>
        <h2>{t('devices.scanners')}</h2>
        {names.length === 0 ? <p>{t('devices.none')}</p> : (
          <ul class="devices">
            {names.map((n) => (
              <li key={n}>
                <strong>{n}</strong> — {scanners[n].connected ? t('devices.connected') : t('devices.disconnected')}
                {scanners[n].last_error && <div class="muted">{scanners[n].last_error}</div>}
                {scanners[n].dropped > 0 && <div class="muted">{t('devices.dropped', { n: scanners[n].dropped })}</div>}
              </li>
            ))}
          </ul>
        )}
        <h2>{t('devices.printers')}</h2>
        {printers.length === 0 ? <p>{t('devices.none')}</p> : (
          <ul class="devices">
            {printers.map((p) => (
              <li key={p.name}>
                <strong>{p.name}</strong> ({p.address}) — {p.state}
                <div class="muted" data-testid="printer-queue">
                  {t('devices.queue', { queued: p.queued, unconfirmed: p.unconfirmed, failed: p.failed })}
                </div>
                {p.last_error && <div class="muted">{p.last_error}</div>}
                {p.warning && <div class="muted">{p.warning}</div>}
                <button type="button" onClick={() => test(p.name)}>{t('devices.testPrint')}</button>
              </li>
            ))}
          </ul>
        )}
        <Notice notice={notice} />
        <button type="button" onClick={props.onBack}>{t('common.back')}</button>
      </section>
    </main>
  );
}
