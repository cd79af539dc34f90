/** Modal dialogs on <dialog>: the browser traps focus, Esc cancels, focus returns where it was. */
import { h, icon, type Child } from '../dom.js';

export function modal(title: string, body: Child, actions: { label: string; value: string; primary?: boolean; danger?: boolean }[], opts: { onSubmit?: (value: string) => boolean | Promise<boolean> } = {}): Promise<string | null> {
  return new Promise((resolve) => {
    const returnFocus = document.activeElement as HTMLElement | null;
    const form = h('form', { method: 'dialog', class: 'dialog-form' });
    const error = h('p', { class: 'dialog-error', role: 'alert' });
    const dlg = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'dialog-title' },
      form,
    );
    form.append(
      h('header', { class: 'dialog-head' }, h('h2', { id: 'dialog-title' }, title), h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close', onclick: () => dlg.close('') }, icon('close'))),
      h('div', { class: 'dialog-body' }, body, error),
      h(
        'footer',
        { class: 'dialog-foot' },
        // The primary action first in the DOM (Enter in a field submits with it), shown last.
        [...actions].reverse().map((a) => h('button', { type: 'submit', value: a.value, class: a.primary ? 'btn btn-primary' : a.danger ? 'btn btn-danger' : 'btn' }, a.label)),
      ),
    );
    form.addEventListener('submit', async (e) => {
      const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
      const value = submitter?.value ?? actions.find((a) => a.primary)?.value ?? '';
      if (!opts.onSubmit || value === 'cancel') return;
      e.preventDefault();
      error.textContent = '';
      try {
        if (await opts.onSubmit(value)) dlg.close(value);
      } catch (err) {
        error.textContent = (err as Error).message;
      }
    });
    dlg.addEventListener('close', () => {
      dlg.remove();
      returnFocus?.focus?.();
      resolve(dlg.returnValue && dlg.returnValue !== 'cancel' ? dlg.returnValue : null);
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    (dlg.querySelector('[autofocus]') as HTMLElement | null)?.focus();
  });
}

export async function confirm(title: string, message: Child, action: string, danger = false): Promise<boolean> {
  const r = await modal(title, h('div', { class: 'dialog-text' }, message), [
    { label: 'Cancel', value: 'cancel' },
    { label: action, value: 'ok', primary: !danger, danger },
  ]);
  return r === 'ok';
}
