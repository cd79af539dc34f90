/**
 * Class 4: a call's routing data (a realistic default from examples/routing-sample.json,
 * remembered per script) routed through the script as the switch would call it (POST
 * /api/v1/routing/{id}); the routing before and after, side by side, with the lines the answer's
 * `diff` names highlighted, or the rejection's SIP code and reason.
 */
import type { App, Panel } from '../app.js';
import type { RoutingAnswer, Script } from '../api.js';
import { h, icon, ms, replace, MOD } from '../dom.js';
import { jsonEditor, jsonProblem, type monaco } from '../monaco.js';
import { remembered } from '../storage.js';
import { routingSample } from '../templates.js';
import { jsonView } from './json-view.js';

export class RoutingPanel implements Panel {
  readonly id = 'routing';
  readonly label = 'Routing';
  readonly icon = 'route';
  readonly el: HTMLElement;
  readonly #host: HTMLElement;
  readonly #error: HTMLElement;
  readonly #vars: HTMLTextAreaElement;
  readonly #out: HTMLElement;
  readonly #btn: HTMLButtonElement;
  #data: monaco.editor.IStandaloneCodeEditor | null = null;
  #script: Script | null = null;
  #busy = false;

  constructor(readonly app: App) {
    this.#host = h('div', { class: 'json-host tall', id: 'routing-data' });
    this.#error = h('p', { class: 'field-error', role: 'alert' });
    this.#vars = h('textarea', {
      class: 'field mono',
      id: 'routing-vars',
      rows: 4,
      spellcheck: 'false',
      placeholder: '[hours]\ntz = "Europe/London"\nopen = 9\nclose = 18',
      oninput: () => this.#script && remembered.setVars(this.#script.id, this.#vars.value),
    });
    this.#btn = h('button', { class: 'btn btn-run', id: 'route', onclick: () => void this.run() }, icon('route'), h('span', {}, 'Route call'), h('kbd', {}, `${MOD} ↵`));
    this.#out = h('div', { class: 'routing-out', id: 'routing-out', 'aria-live': 'polite' });
    this.el = h(
      'div',
      { class: 'routing-panel' },
      h('p', { class: 'muted fine intro' }, 'Route a call as the switch does: the account’s run-first scripts, this script, then its run-last scripts. The answer is what the switch gets.'),
      h('div', { class: 'run-bar' }, this.#btn, h('span', { class: 'spacer' }), h('button', { class: 'btn btn-small btn-quiet', onclick: () => this.#reset() }, 'Reset to sample call')),
      h('div', { class: 'section-head' }, h('h3', {}, 'Call data'), h('span', { class: 'muted fine' }, 'data.routing and any variables')),
      this.#host,
      this.#error,
      h('details', { class: 'vars' }, h('summary', {}, 'Variables (TOML, merged into data)'), h('label', { for: 'routing-vars', class: 'sr-only' }, 'Variables (TOML)'), this.#vars),
      this.#out,
    );
  }

  scriptChanged(s: Script | null): void {
    this.#script = s;
    replace(this.#out);
    if (!s) return;
    this.#vars.value = remembered.vars(s.id) ?? '';
    this.#set(remembered.routingData(s.id) ?? routingSample);
  }

  shown(): void {
    this.#data?.layout();
  }

  #set(text: string): void {
    if (!this.#data) {
      this.#data = jsonEditor(this.#host, text, 'Call data (JSON)', (t) => {
        if (this.#script) remembered.setRoutingData(this.#script.id, t);
        this.#error.textContent = '';
      });
    } else this.#data.setValue(text);
  }

  #reset(): void {
    this.#set(routingSample);
  }

  async run(): Promise<void> {
    const s = this.#script;
    if (!s || this.#busy) return;
    const text = this.#data?.getValue() ?? '';
    const problem = jsonProblem(text) ?? (text.trim() === '' ? 'The call data is empty: it needs at least {"routing": {...}}' : null);
    if (problem) {
      this.#error.textContent = problem;
      return;
    }
    if (!(await this.app.editor.ensureSaved())) return;
    let body = text;
    if (this.#vars.value.trim()) body = JSON.stringify({ ...(JSON.parse(text) as object), vars: this.#vars.value });
    this.#busy = true;
    this.#btn.disabled = true;
    replace(this.#out, h('p', { class: 'running-note' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Routing the call…'));
    const started = performance.now();
    try {
      const answer = await this.app.api.route(s.id, body);
      const input = JSON.parse(text) as Record<string, unknown>;
      this.#show(input, answer, performance.now() - started);
      this.#out.scrollIntoView({ block: 'start', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
      void this.app.refresh();
    } catch (err) {
      replace(this.#out, h('div', { class: 'verdict verdict-error' }, icon('alert'), h('div', {}, h('strong', {}, 'The call was not routed'), h('p', {}, (err as Error).message))));
    } finally {
      this.#busy = false;
      this.#btn.disabled = false;
    }
  }

  #show(input: Record<string, unknown>, a: RoutingAnswer, took: number): void {
    const trace = h(
      'ol',
      { class: 'trace' },
      a.trace.map((t) => {
        const name = this.app.scripts.find((x) => x.id === t.scriptId)?.name ?? t.scriptId;
        return h('li', { class: `step step-${t.outcome}` }, h('span', { class: 'step-outcome' }, t.outcome), h('span', { class: 'step-name' }, name), h('span', { class: 'muted' }, ms(t.ms)), t.error ? h('span', { class: 'step-error' }, t.error) : null);
      }),
    );
    if (a.action === 'reject') {
      replace(
        this.#out,
        h('div', { class: 'verdict verdict-reject', id: 'verdict' }, icon('phone'), h('div', {}, h('strong', { class: 'verdict-title' }, `Reject ${a.sipCode} ${a.reason}`), h('p', {}, 'The switch answers the caller with this SIP response; no route is tried.'))),
        h('h3', { class: 'section-title' }, 'Scripts run'),
        trace,
      );
      return;
    }
    const before = (input.routing ?? {}) as unknown;
    const after = (a.data.routing ?? {}) as unknown;
    // The diff's paths start at the data's top (routing.cli); the columns show data.routing.
    const inRouting = (p: string) => p === 'routing' || p.startsWith('routing.') || p.startsWith('routing[');
    const changes = a.diff.filter((c) => inRouting(c.path)).map((c) => ({ ...c, path: c.path.replace(/^routing\.?/, '') }));
    const other = a.diff.filter((c) => !inRouting(c.path));
    replace(
      this.#out,
      h(
        'div',
        { class: 'verdict verdict-continue', id: 'verdict' },
        icon('check'),
        h('div', {}, h('strong', { class: 'verdict-title' }, `Continue · ${a.diff.length} change${a.diff.length === 1 ? '' : 's'}`), h('p', {}, `Answered in ${ms(took)}. ${a.diff.length ? 'The switch uses the routing on the right.' : 'The routing goes on unchanged.'}`)),
      ),
      a.diff.length
        ? h(
            'table',
            { class: 'changes', id: 'changes' },
            h('caption', { class: 'sr-only' }, 'What the script changed'),
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Path'), h('th', { scope: 'col' }, 'Before'), h('th', { scope: 'col' }, 'After'))),
            h(
              'tbody',
              {},
              a.diff.map((c) =>
                h('tr', {}, h('td', {}, h('code', {}, c.path)), h('td', { class: 'from' }, 'from' in c ? short(c.from) : h('em', { class: 'muted' }, 'added')), h('td', { class: 'to' }, 'to' in c ? short(c.to) : h('em', { class: 'muted' }, 'removed'))),
              ),
            ),
          )
        : null,
      h(
        'div',
        { class: 'before-after' },
        h('div', { class: 'side' }, h('h3', {}, 'Before'), jsonView(before, { changes, side: 'before', label: 'Routing before' })),
        h('div', { class: 'side' }, h('h3', {}, 'After'), jsonView(after, { changes, side: 'after', label: 'Routing after' })),
      ),
      other.length ? h('p', { class: 'muted fine' }, `Also changed outside routing: ${other.map((c) => c.path).join(', ')}`) : null,
      h('h3', { class: 'section-title' }, 'Scripts run'),
      trace,
    );
  }
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 60 ? s.slice(0, 57) + '…' : s;
}
