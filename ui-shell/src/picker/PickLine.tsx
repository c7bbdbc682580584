// One line of the pick sheet, where the picker stands: the bin and zone,
// how much is picked, the lot to take first, each pick (with undo), and the
// short-pick and substitute actions.

import type { SheetLine } from '../generated';
import { t } from '../messages';
import { formatMoney } from '../money';
import { pickName, progress } from './sheet';

export interface LineActions {
  undo: (movementId: string) => void;
  short: (line: number, short: boolean) => void;
  substitute: (line: SheetLine) => void;
}

export function PickLine(props: { line: SheetLine; busy: boolean; armed: boolean; actions: LineActions }) {
  const { line, busy, actions } = props;
  const where = line.bin ? t('picker.bin', { bin: line.bin }) : t('picker.unslotted');
  const titleId = `line-${line.line}`;
  return (
    <li class={`pick-line ${line.status}${props.armed ? ' armed' : ''}`} aria-labelledby={titleId} data-line={line.line} data-status={line.status}>
      <div class="line-head">
        <span class="where">
          <strong>{where}</strong>
          {line.zone && <span class="zone">{t('picker.zone', { zone: line.zone })}</span>}
        </span>
        <span class={`badge ${line.status}`}>{t(`picker.status.${line.status}`)}</span>
      </div>
      <h3 id={titleId}>{line.name}</h3>
      <p class="line-progress" data-testid="progress">
        <span class="count">{progress(line)}</span>
        {line.substituted !== '0' && <span> {t('picker.substituted', { qty: line.substituted })}</span>}
      </p>
      {line.status === 'open' && line.take_batch && (
        <p class="take-batch" data-testid="take-batch">
          {t('picker.takeBatch', { code: line.take_batch.code, date: line.take_batch.expires_on })}
        </p>
      )}
      {line.picks.length > 0 && (
        <ul class="picks">
          {line.picks.map((p) => {
            const name = pickName(line, p.variant_id);
            return (
              <li key={p.movement_id}>
                <span>
                  {p.qty} × {name}
                  {p.batch && <span class="muted"> · {t('picker.pickLot', { code: p.batch.code })}</span>}
                </span>
                <button
                  type="button"
                  class="small"
                  disabled={busy}
                  aria-label={t('picker.undoLabel', { qty: p.qty, name })}
                  onClick={() => actions.undo(p.movement_id)}
                >
                  {t('picker.undo')}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {line.status === 'open' && (
        <button type="button" class="wide" disabled={busy} aria-label={t('picker.markShortLabel', { name: line.name })} onClick={() => actions.short(line.line, true)}>
          {t('picker.markShort')}
        </button>
      )}
      {line.status === 'short' && (
        <div class="substitutes">
          <h4>{t('picker.offered')}</h4>
          {line.substitutes.length === 0 && <p class="muted">{t('picker.noSubstitute')}</p>}
          <ul>
            {line.substitutes.map((s) => (
              <li key={s.variant_id}>
                <span>
                  {s.name} <span class="muted">{formatMoney(s.unit_price)}</span>
                </span>
              </li>
            ))}
          </ul>
          <div class="actions">
            {line.substitutes.length > 0 && (
              <button type="button" class="primary" disabled={busy} aria-pressed={props.armed} onClick={() => actions.substitute(line)}>
                {line.substitutes.length === 1 ? t('picker.substituteOne', { name: line.substitutes[0].name }) : t('picker.substituteAny')}
              </button>
            )}
            <button type="button" disabled={busy} onClick={() => actions.short(line.line, false)}>
              {t('picker.reopen')}
            </button>
          </div>
        </div>
      )}
    </li>
  );
}
