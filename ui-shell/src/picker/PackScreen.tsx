// Packing: what the picks come to against what was ordered, the lines short
// and the lines substituted, then Pack. After packing, the agent's own
// figures (the packed total it recorded) replace the estimate.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { AgentError } from '../api';
import { Notice } from '../components/Dialog';
import type { PickSheet, SheetLine } from '../generated';
import { t } from '../messages';
import { formatMoney, formatPaise } from '../money';
import { handheld } from './handheld';
import { packedEstimate, shortAndSubstituted, shortId } from './sheet';

function Lines(props: { lines: SheetLine[]; testid: string }) {
  if (!props.lines.length) return <dd data-testid={props.testid}>{t('picker.none')}</dd>;
  return (
    <dd data-testid={props.testid}>
      <ul>
        {props.lines.map((l) => (
          <li key={l.line}>{l.name}</li>
        ))}
      </ul>
    </dd>
  );
}

export function PackScreen(props: { sheet: PickSheet; onBack: () => void; onDone: () => void; onError: (e: AgentError) => void }) {
  const [sheet, setSheet] = useState(props.sheet);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [sheet.packed]);

  const id = shortId(sheet.order_id);
  const packed = sheet.packed;
  const byNumber = (numbers: number[]) => sheet.sheet.filter((l) => numbers.includes(l.line));
  const { short, substituted } = packed
    ? { short: byNumber(packed.short_lines), substituted: byNumber(packed.substituted_lines) }
    : shortAndSubstituted(sheet);

  const pack = async () => {
    setBusy(true);
    setError(null);
    try {
      setSheet(await handheld.pack(sheet.order_id));
    } catch (e) {
      props.onError(e as AgentError);
      setError((e as AgentError).forCashier);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="picker-main" aria-labelledby="pack-title">
      <section class={`card pack ${packed ? 'done' : ''}`} data-testid={packed ? 'packed' : 'pack-review'}>
        <h1 id="pack-title" tabIndex={-1} ref={heading}>
          {packed ? t('picker.packedTitle', { id }) : t('picker.packTitle', { id })}
        </h1>
        <dl class="figures">
          <dt>{t('picker.ordered')}</dt>
          <dd data-testid="ordered-total">{formatMoney(packed?.ordered_total ?? sheet.total)}</dd>
          <dt>{t('picker.packedTotal')}</dt>
          <dd data-testid="packed-total">{packed ? formatMoney(packed.packed_total) : formatPaise(packedEstimate(sheet))}</dd>
          <dt>{t('picker.shortLines')}</dt>
          <Lines lines={short} testid="short-lines" />
          <dt>{t('picker.substitutedLines')}</dt>
          <Lines lines={substituted} testid="substituted-lines" />
        </dl>
        <Notice notice={error ? { kind: 'error', text: error } : null} />
        {packed ? (
          <button type="button" class="primary big wide" onClick={props.onDone}>
            {t('picker.nextOrder')}
          </button>
        ) : (
          <div class="actions stack">
            <button type="button" class="primary big wide" disabled={busy} onClick={pack}>
              {busy ? t('common.working') : t('picker.pack')}
            </button>
            <button type="button" class="big wide" disabled={busy} onClick={props.onBack}>
              {t('picker.backToPicking')}
            </button>
          </div>
        )}
      </section>
    </main>
  );
}
