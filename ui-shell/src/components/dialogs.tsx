// The sale screen's dialogs: modifiers and add-ons, discounts, and a
// supervisor's approval.

import { useState } from 'preact/hooks';
import type { Approval, DiscountRequest, ProductView } from '../generated';
import { formatMoney, inr, parseRupees } from '../money';
import { t } from '../messages';
import { Dialog } from './Dialog';

export interface ChosenModifiers {
  codes: string[];
  names: string[];
  extraPaise: number;
}

export function ModifierDialog(props: {
  product: ProductView;
  onDone: (chosen: ChosenModifiers) => void;
  onClose: () => void;
}) {
  const groups = props.product.modifiers ?? [];
  const [picked, setPicked] = useState<Record<string, string[]>>({});
  const toggle = (group: string, code: string, max: number) => {
    const now = picked[group] ?? [];
    let next: string[];
    if (now.includes(code)) next = now.filter((c) => c !== code);
    else if (max === 1) next = [code];
    else if (now.length < max) next = [...now, code];
    else next = now;
    setPicked({ ...picked, [group]: next });
  };
  const ready = groups.every((g) => (picked[g.name]?.length ?? 0) >= g.min);
  const done = () => {
    const chosen: ChosenModifiers = { codes: [], names: [], extraPaise: 0 };
    for (const g of groups) {
      for (const o of g.options) {
        if (picked[g.name]?.includes(o.code)) {
          chosen.codes.push(o.code);
          chosen.names.push(o.name);
          chosen.extraPaise += o.price.minor;
        }
      }
    }
    props.onDone(chosen);
  };
  return (
    <Dialog title={t('modifiers.title', { name: props.product.name })} onClose={props.onClose}>
      {groups.map((g) => (
        <fieldset key={g.name}>
          <legend>
            {g.name} <small>{t('modifiers.choose', { min: g.min, max: g.max })}</small>
          </legend>
          <div class="options">
            {g.options.map((o) => {
              const on = picked[g.name]?.includes(o.code) ?? false;
              return (
                <button type="button" key={o.code} class={on ? 'option on' : 'option'} aria-pressed={on} onClick={() => toggle(g.name, o.code, g.max)}>
                  {o.name}
                  {o.price.minor ? ` +${formatMoney(o.price)}` : ''}
                </button>
              );
            })}
          </div>
        </fieldset>
      ))}
      <div class="actions">
        <button type="button" class="primary" disabled={!ready} onClick={done}>
          {t('modifiers.add')}
        </button>
        <button type="button" onClick={props.onClose}>
          {t('common.cancel')}
        </button>
      </div>
    </Dialog>
  );
}

export function DiscountDialog(props: {
  /** The line's name, or none for the whole bill. */
  lineName?: string;
  current?: DiscountRequest;
  onApply: (d: DiscountRequest | undefined) => void;
  onClose: () => void;
}) {
  const [percent, setPercent] = useState(props.current?.percent ?? '');
  const [amount, setAmount] = useState(props.current?.amount ? (props.current.amount.minor / 100).toFixed(2) : '');
  const [reason, setReason] = useState(props.current?.reason ?? '');
  const [error, setError] = useState<string | null>(null);
  const apply = (e: Event) => {
    e.preventDefault();
    if (percent.trim()) {
      if (!/^\d{1,3}(\.\d{1,2})?$/.test(percent.trim())) {
        setError(t('discount.percent'));
        return;
      }
      props.onApply({ percent: percent.trim(), reason: reason.trim() });
      return;
    }
    const paise = parseRupees(amount);
    if (paise === null) {
      setError(t('error.amount'));
      return;
    }
    props.onApply({ amount: inr(paise), reason: reason.trim() });
  };
  return (
    <Dialog
      title={props.lineName ? t('discount.line', { name: props.lineName }) : t('discount.bill')}
      onClose={props.onClose}
    >
      <form onSubmit={apply}>
        <label>
          {t('discount.percent')}
          <input name="percent" inputMode="decimal" value={percent} onInput={(e) => setPercent(e.currentTarget.value)} />
        </label>
        <label>
          {t('discount.amount')}
          <input name="amount" inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
        </label>
        <label>
          {t('discount.reason')}
          <input name="reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </label>
        {error && <p class="notice error" role="alert">{error}</p>}
        <div class="actions">
          <button type="submit" class="primary" disabled={!reason.trim() || (!percent.trim() && !amount.trim())}>
            {t('discount.apply')}
          </button>
          {props.current && (
            <button type="button" onClick={() => props.onApply(undefined)}>
              {t('discount.remove')}
            </button>
          )}
          <button type="button" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function ApprovalDialog(props: { why: string; onApprove: (a: Approval) => void; onClose: () => void }) {
  const [code, setCode] = useState('');
  const [pin, setPin] = useState('');
  return (
    <Dialog title={t('approval.title')} onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          props.onApprove({ code: code.trim(), pin });
        }}
      >
        <p class="notice error" role="alert">{t('approval.why', { detail: props.why })}</p>
        <label>
          {t('approval.code')}
          <input name="approver-code" value={code} autocomplete="off" onInput={(e) => setCode(e.currentTarget.value)} />
        </label>
        <label>
          {t('approval.pin')}
          <input name="approver-pin" type="password" inputMode="numeric" value={pin} autocomplete="off" onInput={(e) => setPin(e.currentTarget.value)} />
        </label>
        <div class="actions">
          <button type="submit" class="primary" disabled={!code || !pin}>
            {t('approval.submit')}
          </button>
          <button type="button" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Parking the bill: a name for it (the customer's, unless the cashier types one). */
export function HoldDialog(props: { suggested: string; total: string | null; onHold: (note: string) => void; onClose: () => void }) {
  const [note, setNote] = useState(props.suggested);
  const [busy, setBusy] = useState(false);
  return (
    <Dialog title={t('hold.title')} onClose={props.onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (busy) return;
          setBusy(true);
          props.onHold(note);
        }}
      >
        {props.total && <p>{t('hold.total', { total: props.total })}</p>}
        <label>
          {t('hold.note')}
          <input name="hold-note" value={note} maxLength={200} autocomplete="off" data-autofocus onInput={(e) => setNote(e.currentTarget.value)} />
        </label>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? t('common.working') : t('hold.submit')}
          </button>
          <button type="button" onClick={props.onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
