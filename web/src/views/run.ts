/**
 * Run: sample data (remembered per script), a function name, Run. The console streams each log
 * line as the script writes it (Server-Sent Events over fetch); then the result, or the error with
 * a button to its line; CPU and wall time.
 */
import type { App, Panel } from '../app.js';
import type { ErrorInfo, LogEntry, RunOutcome, Script } from '../api.js';
import { clock, h, icon, ms, replace, MOD } from '../dom.js';
import { remembered } from '../storage.js';
import { functionNames } from '../analyze.js';
import { jsonView } from './json-view.js';
import { SampleData } from './sample-data.js';

export class RunPanel implements Panel {
  readonly id = 'run';
  readonly label = 'Run';
  readonly icon = 'play';
  readonly el: HTMLElement;
  readonly #fn: HTMLInputElement;
  readonly #fnList: HTMLDataListElement;
  readonly #runBtn: HTMLButtonElement;
  readonly #data: SampleData;
  readonly #console: HTMLElement;
  readonly #outcome: HTMLElement;
  readonly #metrics: HTMLElement;
  #script: Script | null = null;
  #abort: AbortController | null = null;

  constructor(readonly app: App) {
    this.#fnList = h('datalist', { id: 'fn-list' });
    this.#fn = h('input', { class: 'field fn', id: 'run-fn', list: 'fn-list', value: 'main', spellcheck: 'false', autocomplete: 'off', 'aria-describedby': 'fn-help', oninput: () => this.#script && remembered.setFn(this.#script.id, this.#fn.value.trim()) });
    this.#runBtn = h('button', { class: 'btn btn-run', id: 'run', onclick: () => void (this.#abort ? this.stop() : this.run()) });
    this.#data = new SampleData({ id: 'run-data', label: 'Run data (JSON)', hint: 'JSON, the data argument', code: () => this.app.editor.code() });
    this.#console = h('div', { class: 'console', id: 'console', role: 'log', 'aria-live': 'polite', 'aria-label': 'Console' });
    this.#outcome = h('div', { class: 'outcome', id: 'outcome', 'aria-live': 'polite' });
    this.#metrics = h('span', { class: 'metrics', id: 'metrics' });
    this.el = h(
      'div',
      { class: 'run-panel' },
      h(
        'div',
        { class: 'run-bar' },
        h('label', { for: 'run-fn', class: 'field-label' }, 'Function'),
        this.#fn,
        this.#fnList,
        this.#runBtn,
        h('span', { id: 'fn-help', class: 'muted fine hide-narrow' }, 'Runs the deployed version; unsaved edits are saved first.'),
      ),
      ...this.#data.el,
      h('div', { class: 'section-head' }, h('h3', {}, icon('terminal'), 'Console'), h('span', { class: 'spacer' }), this.#metrics, h('button', { class: 'btn btn-small btn-quiet', onclick: () => this.#clear() }, 'Clear')),
      this.#console,
      this.#outcome,
    );
    this.#renderButton();
    app.on('updated', (s) => {
      if (s.id === this.#script?.id) this.#script = s;
    });
  }

  scriptChanged(s: Script | null): void {
    this.stop();
    this.#script = s;
    this.#clear();
    if (!s) return;
    const code = this.app.editor.code();
    const names = functionNames(code);
    replace(this.#fnList, names.map((n) => h('option', { value: n })));
    this.#fn.value = remembered.fn(s.id) ?? (names.includes('main') || names.length === 0 ? 'main' : names[0]);
    this.#data.load(s.id);
  }

  shown(): void {
    this.#data.layout();
  }

  #clear(): void {
    replace(this.#console, h('p', { class: 'console-empty muted' }, 'Run the script to see its console here, live.'));
    replace(this.#outcome);
    this.#metrics.textContent = '';
  }

  #renderButton(): void {
    replace(this.#runBtn, ...(this.#abort ? [icon('close'), h('span', {}, 'Stop')] : [icon('play'), h('span', {}, 'Run'), h('kbd', {}, `${MOD} ↵`)]));
    this.#runBtn.classList.toggle('running', !!this.#abort);
  }

  stop(): void {
    this.#abort?.abort();
    this.#abort = null;
    this.#renderButton();
  }

  async run(): Promise<void> {
    const s = this.#script;
    if (!s || this.#abort) return;
    const text = this.#data.value();
    if (text === null) return;
    if (!(await this.app.editor.ensureSaved())) return;
    const script = this.app.current ?? s;
    const fn = this.#fn.value.trim() || 'main';
    this.#abort = new AbortController();
    this.#renderButton();
    this.app.editor.clearRunMarks();
    replace(this.#console);
    replace(this.#outcome, h('p', { class: 'running-note' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), `Running ${fn}() of v${script.deployedVersion}…`));
    this.#metrics.textContent = '';
    const started = new Date().toISOString();
    try {
      const o = await this.app.api.run(s.id, fn, text, (e) => this.#log(e), this.#abort.signal);
      this.#show(o, fn);
      this.app.ran({ id: o.executionId ?? '', scriptId: s.id, version: script.deployedVersion, fn, trigger: 'api', ok: o.ok, error: o.error ?? null, cpuMs: o.cpuMs ?? 0, wallMs: o.wallMs ?? 0, startedAt: started });
    } catch (err) {
      if ((err as Error).name === 'AbortError') replace(this.#outcome, h('p', { class: 'muted' }, 'Stopped watching. The execution goes on on the server, within its limits; its record is in Executions.'));
      else replace(this.#outcome, errorBlock(this.app, { name: 'Error', code: (err as { code?: string }).code ?? 'REQUEST_FAILED', message: (err as Error).message }));
    } finally {
      this.#abort = null;
      this.#renderButton();
    }
  }

  #log(e: LogEntry): void {
    this.#console.appendChild(logLine(e));
    this.#console.scrollTop = this.#console.scrollHeight;
  }

  #show(o: RunOutcome, fn: string): void {
    this.#metrics.replaceChildren(h('span', { title: 'CPU time' }, 'cpu ', h('strong', {}, ms(o.cpuMs))), h('span', { title: 'Wall time' }, 'wall ', h('strong', {}, ms(o.wallMs))));
    if (!this.#console.childElementCount) this.#console.appendChild(h('p', { class: 'console-empty muted' }, 'No console output.'));
    if (o.ok) {
      replace(
        this.#outcome,
        h('div', { class: 'result ok', id: 'result' }, h('div', { class: 'result-head' }, icon('check'), h('strong', {}, `${fn}() returned`), h('span', { class: 'spacer' }), o.executionId ? h('code', { class: 'muted fine' }, o.executionId) : null), jsonView(o.result, { label: 'Result' })),
      );
    } else {
      replace(this.#outcome, errorBlock(this.app, o.error!, o.executionId));
      if (o.error?.line !== undefined) this.app.editor.markError(o.error.line, o.error.column ?? 1, `${o.error.name}: ${o.error.message}`);
    }
  }
}

export function logLine(e: LogEntry): HTMLElement {
  return h('div', { class: `log log-${e.level}` }, h('time', { datetime: new Date(e.ts).toISOString() }, clock(e.ts)), h('span', { class: 'lvl' }, e.level), h('span', { class: 'msg' }, e.message));
}

/** A failed run: the SIP answer or the error, with a button to its line in the editor. */
export function errorBlock(app: App, e: ErrorInfo, executionId?: string, version?: number): HTMLElement {
  const sip = e.sipCode !== undefined;
  const sameVersion = version === undefined || version === app.current?.deployedVersion;
  return h(
    'div',
    { class: `result ${sip ? 'sip' : 'error'}` },
    h(
      'div',
      { class: 'result-head' },
      icon(sip ? 'phone' : 'alert'),
      sip ? h('strong', {}, `SIP ${e.sipCode} ${e.reason ?? ''}`) : h('strong', {}, `${e.name}`),
      h('span', { class: 'code-tag' }, e.code),
      h('span', { class: 'spacer' }),
      executionId ? h('code', { class: 'muted fine' }, executionId) : null,
    ),
    h('p', { class: 'error-message' }, e.message),
    e.line !== undefined
      ? h(
          'button',
          {
            class: 'btn btn-small jump',
            title: sameVersion ? 'Show the line in the editor' : `This ran v${version}; the editor shows v${app.current?.deployedVersion}`,
            onclick: () => {
              app.editor.jumpTo(e.line!, e.column ?? 1);
              if (sameVersion) app.editor.markError(e.line!, e.column ?? 1, `${e.name}: ${e.message}`);
            },
          },
          icon('arrow'),
          `Go to line ${e.line}${e.column !== undefined ? `, column ${e.column}` : ''}`,
          sameVersion ? '' : ` (of v${version})`,
        )
      : null,
    e.stack ? h('details', { class: 'stack' }, h('summary', {}, 'Stack'), h('pre', {}, e.stack)) : null,
  );
}
