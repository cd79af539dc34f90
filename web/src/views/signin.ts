/** Sign in with an account API key; it is checked against the server, then kept for this tab only. */
import { Api, ApiError } from '../api.js';
import { logo } from '../app.js';
import { h, icon } from '../dom.js';

export function signIn(root: HTMLElement, onKey: (key: string) => void, notice?: string): void {
  const key = h('input', { class: 'field', id: 'api-key', name: 'key', type: 'password', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'sf_…', 'aria-describedby': 'key-help' });
  const error = h('p', { class: 'field-error', id: 'signin-error', role: 'alert' }, notice ?? '');
  const button = h('button', { class: 'btn btn-primary btn-wide', type: 'submit' }, h('span', {}, 'Sign in'), icon('arrow'));
  const form = h(
    'form',
    {
      class: 'signin-card',
      onsubmit: async (e: SubmitEvent) => {
        e.preventDefault();
        const k = key.value.trim();
        error.textContent = '';
        button.disabled = true;
        try {
          await new Api(k).listScripts();
          onKey(k);
        } catch (err) {
          error.textContent = err instanceof ApiError && err.status === 401 ? 'This key is not known to the server.' : (err as Error).message;
          key.select();
        } finally {
          button.disabled = false;
        }
      },
    },
    h('div', { class: 'signin-brand' }, logo(), h('span', { class: 'brand-name' }, 'ScriptForge'), h('span', { class: 'brand-sub' }, 'IDE')),
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'Write, run, debug and ship the JavaScript that routes your calls.'),
    h('label', { for: 'api-key' }, 'Account API key'),
    key,
    error,
    button,
    h('p', { class: 'muted fine', id: 'key-help' }, 'Your operator creates accounts and their keys (POST /api/v1/accounts). The key stays in this browser tab only and is sent to this server alone.'),
  );
  root.replaceChildren(h('main', { class: 'signin' }, form));
  key.focus();
}
