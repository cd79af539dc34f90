/** Executions: the script's recent runs (any trigger) with outcome and time; open one for its logs and result. */
import type { App, Panel } from '../app.js';
import type { Execution, ExecutionSummary, Script } from '../api.js';
import { ago, h, icon, ms, replace, stamp } from '../dom.js';
import { jsonView } from './json-view.js';
import { errorBlock, logLine } from './run.js';

export class ExecutionsPanel implements Panel {
  readonly id = 'executions';
  readonly label = 'Executions';
  readonly icon = 'list';
  readonly el: HTMLElement;
  readonly #list: HTMLElement;
  #script: Script | null = null;
  #stale = true;

  constructor(readonly app: App) {
    this.#list = h('ul', { class: 'executions', id: 'executions' });
    this.el = h(
      'div',
      { class: 'executions-panel' },
      h('div', { class: 'run-bar' }, h('span', { class: 'muted fine' }, 'The latest 50 runs: API, routing, forms, drivers, schedules, jobs.'), h('span', { class: 'spacer' }), h('button', { class: 'btn btn-small', id: 'refresh-executions', onclick: () => void this.load() }, icon('refresh'), h('span', {}, 'Refresh'))),
      this.#list,
    );
    app.on('ran', (e) => {
      if (e.scriptId === this.#script?.id) {
        this.#stale = true;
        if (!this.el.hidden) void this.load();
      }
    });
  }

  scriptChanged(s: Script | null): void {
    this.#script = s;
    this.#stale = true;
    replace(this.#list);
    if (s && !this.el.hidden) void this.load();
  }

  shown(): void {
    if (this.#stale) void this.load();
  }

  async load(): Promise<void> {
    const s = this.#script;
    if (!s) return;
    this.#stale = false;
    let rows: ExecutionSummary[];
    try {
      rows = await this.app.api.listExecutions({ scriptId: s.id, limit: 50 });
    } catch (err) {
      this.app.fail(err);
      return;
    }
    if (s !== this.#script) return;
    if (rows.length === 0) {
      replace(this.#list, h('li', { class: 'empty-list' }, 'No executions yet. Run the script, or route a call through it.'));
      return;
    }
    replace(this.#list, rows.map((r) => this.#row(r)));
  }

  #row(r: ExecutionSummary): HTMLElement {
    const detail = h('div', { class: 'exec-detail', hidden: true, id: `exec-${r.id}` });
    const toggle = h(
      'button',
      { class: 'exec-row', 'aria-expanded': 'false', 'aria-controls': `exec-${r.id}`, onclick: () => void this.#toggle(toggle, detail, r) },
      h('span', { class: `dot dot-${r.ok ? 'ok' : r.error?.sipCode !== undefined ? 'sip' : 'error'}` }),
      h('span', { class: 'exec-outcome' }, r.ok ? 'ok' : r.error?.sipCode ? `SIP ${r.error.sipCode}` : (r.error?.code ?? 'error')),
      h('span', { class: 'exec-fn' }, `${r.fn}()`, h('span', { class: 'muted' }, ` v${r.version}`)),
      h('span', { class: 'tag' }, r.trigger),
      h('span', { class: 'exec-time muted', title: stamp(r.startedAt) }, ago(r.startedAt)),
      h('span', { class: 'exec-ms' }, ms(r.wallMs)),
    );
    return h('li', { class: 'exec' }, toggle, detail);
  }

  async #toggle(btn: HTMLElement, detail: HTMLElement, r: ExecutionSummary): Promise<void> {
    const open = btn.getAttribute('aria-expanded') !== 'true';
    btn.setAttribute('aria-expanded', String(open));
    detail.hidden = !open;
    if (!open || detail.childElementCount) return;
    replace(detail, h('p', { class: 'muted fine' }, 'Loading…'));
    let e: Execution;
    try {
      e = await this.app.api.getExecution(r.id);
    } catch (err) {
      replace(detail, h('p', { class: 'field-error' }, (err as Error).message));
      return;
    }
    replace(
      detail,
      h('p', { class: 'muted fine' }, `${stamp(e.startedAt)} · ${e.id} · cpu ${ms(e.cpuMs)} · wall ${ms(e.wallMs)}`),
      h('div', { class: 'console small-console' }, e.logs.length ? e.logs.map(logLine) : h('p', { class: 'console-empty muted' }, 'No console output.')),
      e.ok ? h('div', { class: 'result ok' }, h('div', { class: 'result-head' }, icon('check'), h('strong', {}, 'Result')), jsonView(e.result, { label: 'Result' })) : errorBlock(this.app, e.error!, undefined, e.version),
    );
  }
}
