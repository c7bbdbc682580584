// What a scan may need from the picker before it counts: the weight of a
// weighed item the symbol does not carry (`weight_needed`), or a yes to
// taking a pack while one expiring sooner is on the shelf
// (`earlier_batch_in_stock`). Either sends the same scan again with the
// answer. Focus moves here, and a scan still works wherever focus is.

import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../messages';

export type Question =
  | { kind: 'weight'; code: string; text: string }
  | { kind: 'later_batch'; code: string; text: string };

/** A weight as the agent takes it: kilograms, at most three decimals. */
const WEIGHT = /^\d{1,4}(?:\.\d{1,3})?$/;

export function ScanQuestion(props: {
  question: Question;
  busy: boolean;
  onWeight: (code: string, kg: string) => void;
  onTakeAnyway: (code: string) => void;
  onCancel: () => void;
}) {
  const q = props.question;
  const [kg, setKg] = useState('');
  const [invalid, setInvalid] = useState(false);
  const box = useRef<HTMLFormElement>(null);
  useEffect(() => box.current?.querySelector<HTMLElement>('input, button')?.focus(), [q.code, q.kind]);

  if (q.kind === 'weight') {
    const submit = (e: Event) => {
      e.preventDefault();
      const text = kg.trim().replace(',', '.');
      if (!WEIGHT.test(text) || Number(text) <= 0) {
        setInvalid(true);
        return;
      }
      props.onWeight(q.code, text);
    };
    return (
      <form ref={box} class="question card" onSubmit={submit} aria-labelledby="question-title" data-testid="weight-question">
        <h2 id="question-title">{t('picker.weightTitle')}</h2>
        <p class="question-text">{q.text}</p>
        <label>
          {t('picker.weight')}
          <input
            name="weight"
            inputMode="decimal"
            autocomplete="off"
            value={kg}
            aria-invalid={invalid}
            aria-describedby={invalid ? 'weight-error' : undefined}
            onInput={(e) => {
              setKg(e.currentTarget.value);
              setInvalid(false);
            }}
          />
        </label>
        {invalid && (
          <p id="weight-error" class="notice error" role="alert">
            {t('picker.weightInvalid')}
          </p>
        )}
        <div class="actions">
          <button type="submit" class="primary big" disabled={props.busy || !kg.trim()}>
            {t('picker.weightPick')}
          </button>
          <button type="button" class="big" onClick={props.onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    );
  }
  return (
    <section ref={box} class="question card warn" aria-labelledby="question-title" data-testid="later-batch-question">
      <h2 id="question-title">{t('picker.laterTitle')}</h2>
      <p class="question-text">{q.text}</p>
      <div class="actions">
        <button type="button" class="primary big" disabled={props.busy} onClick={() => props.onTakeAnyway(q.code)}>
          {t('picker.takeAnyway')}
        </button>
        <button type="button" class="big" onClick={props.onCancel}>
          {t('picker.putBack')}
        </button>
      </div>
    </section>
  );
}
