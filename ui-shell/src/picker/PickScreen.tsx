// Picking one order: the sheet in walk order, scans from a keyboard-wedge
// scanner wherever focus is (or typed), each answered with a flash, a tone
// and the agent's words; the weight and later-lot questions; short lines,
// substitutes and undo. Every change comes back from the agent as the whole
// sheet, which replaces what is on screen.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { AgentError } from '../api';
import type { PickSheet, ScanBody, SheetLine } from '../generated';
import { t } from '../messages';
import { listenForWedgeScans } from '../wedge';
import { beep, type Tone } from '../beep';
import { Feedback, type FeedbackState } from './Feedback';
import { handheld } from './handheld';
import { PickLine } from './PickLine';
import { ScanQuestion, type Question } from './ScanQuestion';
import { shortId } from './sheet';
import { SlaTimer } from './SlaTimer';

export function PickScreen(props: {
  orderId: string;
  onBack: () => void;
  onReview: (sheet: PickSheet) => void;
  onError: (e: AgentError) => void;
}) {
  const [sheet, setSheet] = useState<PickSheet | null>(null);
  const [feedback, setFeedback] = useState<FeedbackState | null>(null);
  const [question, setQuestion] = useState<Question | null>(null);
  const [substituteFor, setSubstituteFor] = useState<SheetLine | null>(null);
  const [busy, setBusy] = useState(false);
  const [manual, setManual] = useState('');
  const seq = useRef(0);
  // Scans are sent one after another, in the order they were made.
  const chain = useRef<Promise<void>>(Promise.resolve());
  const subRef = useRef(substituteFor);
  subRef.current = substituteFor;
  const heading = useRef<HTMLHeadingElement>(null);

  const say = (tone: Tone, text: string) => {
    seq.current += 1;
    setFeedback({ tone, text, seq: seq.current });
    beep(tone);
  };

  const failed = (e: unknown) => {
    const err = e as AgentError;
    props.onError(err);
    say('error', err.forCashier);
  };

  useEffect(() => {
    handheld.sheet(props.orderId).then(setSheet, failed);
    heading.current?.focus();
  }, [props.orderId]);

  const send = async (body: ScanBody) => {
    const sub = subRef.current;
    const request: ScanBody = sub ? { ...body, substitute_for: sub.line } : body;
    setBusy(true);
    try {
      const picked = await handheld.scan(props.orderId, request);
      setSheet(picked.order);
      setQuestion(null);
      if (picked.substitute) setSubstituteFor(null);
      say('ok', picked.message);
    } catch (e) {
      const err = e as AgentError;
      if (err.type === 'weight_needed') {
        setQuestion({ kind: 'weight', code: body.code, text: err.forCashier });
        say('attention', err.forCashier);
      } else if (err.type === 'earlier_batch_in_stock') {
        setQuestion({ kind: 'later_batch', code: body.code, text: err.forCashier });
        say('attention', err.forCashier);
      } else {
        failed(e);
      }
    } finally {
      setBusy(false);
    }
  };

  const enqueue = (body: ScanBody) => {
    chain.current = chain.current.then(() => send(body));
  };

  // A new scan answers any open question by moving on from it.
  const scanned = useRef<(code: string) => void>(() => undefined);
  scanned.current = (code: string) => {
    setQuestion(null);
    enqueue({ code });
  };
  useEffect(() => listenForWedgeScans((code) => scanned.current(code)), []);

  const change = async (work: () => Promise<PickSheet>) => {
    setBusy(true);
    try {
      setSheet(await work());
    } catch (e) {
      failed(e);
    } finally {
      setBusy(false);
    }
  };

  if (!sheet) {
    return (
      <main class="picker-main">
        <Feedback feedback={feedback} />
        <p>{t('common.working')}</p>
        <button type="button" class="big" onClick={props.onBack}>
          {t('picker.queueBack')}
        </button>
      </main>
    );
  }

  const id = shortId(sheet.order_id);
  return (
    <main class="picker-main pick" aria-labelledby="pick-title">
      <div class="pick-head">
        <button type="button" class="back" onClick={props.onBack}>
          ‹ {t('picker.queueBack')}
        </button>
        <h1 id="pick-title" tabIndex={-1} ref={heading}>
          {t('picker.order', { id })}
        </h1>
        <SlaTimer dueAt={sheet.due_at} />
      </div>
      <Feedback feedback={feedback} />
      {question && (
        <ScanQuestion
          question={question}
          busy={busy}
          onWeight={(code, kg) => enqueue({ code, qty: kg })}
          onTakeAnyway={(code) => enqueue({ code, accept_later_batch: true })}
          onCancel={() => {
            if (question.kind === 'later_batch') say('attention', t('picker.putBackDone'));
            setQuestion(null);
          }}
        />
      )}
      {substituteFor && (
        <div class="armed-banner" role="status" data-testid="substitute-armed">
          <span>{t('picker.substituteArmed', { name: substituteFor.name })}</span>
          <button type="button" onClick={() => setSubstituteFor(null)}>
            {t('picker.substituteCancel')}
          </button>
        </div>
      )}
      <ol class="sheet" data-testid="sheet">
        {sheet.sheet.map((line) => (
          <PickLine
            key={line.line}
            line={line}
            busy={busy}
            armed={substituteFor?.line === line.line}
            actions={{
              undo: (movementId) => change(() => handheld.undo(props.orderId, movementId)),
              short: (n, short) => {
                if (!short && substituteFor?.line === n) setSubstituteFor(null);
                void change(() => handheld.short(props.orderId, n, short));
              },
              substitute: (l) => setSubstituteFor(substituteFor?.line === l.line ? null : l),
            }}
          />
        ))}
      </ol>
      <form
        class="manual card"
        onSubmit={(e) => {
          e.preventDefault();
          const code = manual.trim();
          if (!code) return;
          setManual('');
          scanned.current(code);
        }}
      >
        <p class="muted">{t('picker.scanHere')}</p>
        <label>
          {t('picker.manualCode')}
          <input name="manual-code" value={manual} autocomplete="off" inputMode="numeric" onInput={(e) => setManual(e.currentTarget.value)} />
        </label>
        <button type="submit" class="big wide" disabled={!manual.trim()}>
          {t('picker.manualEnter')}
        </button>
      </form>
      {sheet.ready_to_pack && (
        <div class="pack-bar">
          <button type="button" class="primary big wide" onClick={() => props.onReview(sheet)}>
            {t('picker.review')}
          </button>
        </div>
      )}
    </main>
  );
}
