/** The script list: name, type, deployed version and last run outcome; a filter; New. */
import type { App } from '../app.js';
import type { ExecutionSummary } from '../api.js';
import { ago, h, icon, replace } from '../dom.js';

function describe(run: ExecutionSummary | undefined): string {
  if (!run) return 'No recent run';
  if (run.ok) return 'Last run succeeded';
  if (run.error?.sipCode !== undefined) return `Last run answered SIP ${run.error.sipCode} ${run.error.reason ?? ''}`.trim();
  return `Last run failed: ${run.error?.message ?? ''}`;
}

export class Sidebar {
  readonly el: HTMLElement;
  readonly #list: HTMLElement;
  readonly #filter: HTMLInputElement;
  readonly #count: HTMLElement;

  constructor(readonly app: App) {
    this.#filter = h('input', { type: 'search', class: 'field filter', placeholder: 'Filter scripts', 'aria-label': 'Filter scripts', oninput: () => this.render() });
    this.#list = h('ul', { class: 'script-list', 'aria-label': 'Scripts' });
    this.#count = h('span', { class: 'muted script-count' });
    this.el = h(
      'nav',
      { class: 'sidebar', 'aria-label': 'Scripts' },
      h('div', { class: 'sidebar-head' }, h('h2', {}, 'Scripts'), this.#count, h('button', { class: 'btn btn-primary btn-small', id: 'new-script', onclick: () => void app.create() }, icon('plus'), h('span', {}, 'New'))),
      h('div', { class: 'filter-wrap' }, icon('search'), this.#filter),
      this.#list,
    );
    app.on('scripts', () => this.render());
    app.on('script', () => this.render());
  }

  render(): void {
    const q = this.#filter.value.trim().toLowerCase();
    const shown = this.app.scripts.filter((s) => !q || s.name.toLowerCase().includes(q) || s.type.includes(q) || s.id.includes(q));
    this.#count.textContent = String(this.app.scripts.length);
    if (this.app.scripts.length === 0) {
      replace(this.#list, h('li', { class: 'empty-list' }, 'No scripts yet. ', h('button', { class: 'link', onclick: () => void this.app.create() }, 'Create one')));
      return;
    }
    replace(
      this.#list,
      shown.map((s) => {
        const run = this.app.lastRun.get(s.id);
        // A SIP answer (a routing reject, a 604 from a DNC check) is the script deciding, not failing.
        const outcome = !run ? 'none' : run.ok ? 'ok' : run.error?.sipCode !== undefined ? 'sip' : 'error';
        const current = this.app.current?.id === s.id;
        const dirty = this.app.editor.isDirty(s.id);
        return h(
          'li',
          {},
          h(
            'button',
            { class: `script-item${current ? ' current' : ''}`, 'aria-current': current ? 'true' : undefined, 'data-id': s.id, onclick: () => void this.app.select(s.id) },
            h('span', { class: `dot dot-${outcome}`, title: describe(run) }),
            h('span', { class: 'script-name' }, s.name, dirty ? h('span', { class: 'dirty-mark', title: 'Unsaved changes' }, ' ●') : null),
            h(
              'span',
              { class: 'script-meta' },
              h('span', { class: `stype stype-${s.type}` }, s.type),
              h('span', {}, `v${s.deployedVersion}`),
              run ? h('span', { class: 'muted' }, ago(run.startedAt)) : h('span', { class: 'muted' }, 'no recent run'),
            ),
            h('span', { class: 'sr-only' }, `, ${describe(run).toLowerCase()}`),
          ),
        );
      }),
      shown.length === 0 ? h('li', { class: 'empty-list' }, 'No script matches.') : null,
    );
  }
}
