// Text put into a field by the program (a held keystroke handed on, the
// on-screen number pad) exactly as typing would: at the cursor, replacing a
// selection, with the `input` event the screens listen for.

export type TextField = HTMLInputElement | HTMLTextAreaElement;

export const isTextField = (t: EventTarget | null): t is TextField =>
  (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement) && !t.readOnly && !t.disabled;

function changed(field: TextField, inputType: string, data: string | null): void {
  field.dispatchEvent(new InputEvent('input', { bubbles: true, inputType, data }));
}

export function insertText(field: TextField, text: string): void {
  try {
    const start = field.selectionStart ?? field.value.length;
    const end = field.selectionEnd ?? start;
    field.setRangeText(text, start, end, 'end');
  } catch {
    // Inputs without a selection (number, email) take the text at the end.
    field.value += text;
  }
  changed(field, 'insertText', text);
}

/** Backspace: the selection, else the character before the cursor. */
export function deleteBackward(field: TextField): void {
  const end = field.selectionEnd ?? field.value.length;
  const start = field.selectionStart ?? end;
  const from = start === end ? Math.max(0, start - 1) : start;
  try {
    field.setRangeText('', from, end, 'end');
  } catch {
    field.value = field.value.slice(0, -1);
  }
  changed(field, 'deleteContentBackward', null);
}
