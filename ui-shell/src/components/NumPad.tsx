// The on-screen number pad for touch tills: it types into the field that has
// the cursor (quantity, PIN, tender amount) without taking the cursor away,
// or into the screen's own field when none has it.

import { deleteBackward, insertText, isTextField, type TextField } from '../typing';
import { t } from '../messages';

export interface PadKey {
  label: string;
  /** What a screen reader says, when the label alone is a symbol. */
  name?: string;
  press: () => void;
}

export function NumPad(props: {
  /** The field typed into when the cursor is in no field. */
  fallback: () => TextField | null;
  /** Keys after the digits (× for "3 ×", Enter, …). */
  extra?: PadKey[];
  decimal?: boolean;
}) {
  const field = (): TextField | null => {
    const active = document.activeElement;
    const f = isTextField(active) ? active : props.fallback();
    f?.focus();
    return f;
  };
  const type = (text: string) => {
    const f = field();
    if (f) insertText(f, text);
  };
  const keys: PadKey[] = [
    ...'789456123'.split('').map((d) => ({ label: d, press: () => type(d) })),
    props.decimal === false ? { label: '00', press: () => type('00') } : { label: '.', name: t('pad.point'), press: () => type('.') },
    { label: '0', press: () => type('0') },
    {
      label: '⌫',
      name: t('pad.backspace'),
      press: () => {
        const f = field();
        if (f) deleteBackward(f);
      },
    },
    ...(props.extra ?? []),
  ];
  return (
    <div class="numpad" role="group" aria-label={t('pad.title')}>
      {keys.map((k) => (
        <button
          type="button"
          key={k.label}
          aria-label={k.name}
          tabIndex={-1}
          // The cursor stays in the field being typed into.
          onMouseDown={(e) => e.preventDefault()}
          onClick={k.press}
        >
          {k.label}
        </button>
      ))}
    </div>
  );
}
