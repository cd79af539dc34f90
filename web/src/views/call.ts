/**
 * The Class 5 call simulator (PRODUCT.md §8): starts a live simulated call of the deployed version
 * (sample data as JSON, the same as Run's), a keypad that presses digits into it (the keys 0-9 * #
 * work too while the panel has the focus), Hang up, and the call's timeline as it happens: each ctx
 * operation with its arguments (pending until it has its result) and each event, then the logs and
 * how the call ended.
 */
import type { App, Panel } from '../app.js';
import type { CallEnd, Script, TimelineEntry } from '../api.js';
import { h, icon, replace, toast } from '../dom.js';
import { errorBlock, logLine } from './run.js';
import { SampleData } from './sample-data.js';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
const LETTERS: Record<string, string> = { 2: 'ABC', 3: 'DEF', 4: 'GHI', 5: 'JKL', 6: 'MNO', 7: 'PQRS', 8: 'TUV', 9: 'WXYZ', 0: '+' };
/** Fields of an entry that are not its arguments. */
const NOT_ARGS = new Set(['t', 'op', 'event', 'end', 'result', 'error']);

type State = 'idle' | 'starting' | 'ringing' | 'answered' | 'ending';

export class CallPanel implements Panel {
  readonly id = 'call';
  readonly label = 'Call';
  readonly icon = 'phone';
  readonly el: HTMLElement;
  readonly #startBtn: HTMLButtonElement;
  readonly #hangupBtn: HTMLButtonElement;
  readonly #status: HTMLElement;
  readonly #data: SampleData;
  readonly #keys: HTMLButtonElement[];
  readonly #pressed: HTMLElement;
  readonly #rows: HTMLElement;
  readonly #logs: HTMLElement;
  readonly #outcome: HTMLElement;
  #script: Script | null = null;
  #abort: AbortController | null = null;
  #callId: string | null = null;
  #state: State = 'idle';

  constructor(readonly app: App) {
    this.#startBtn = h('button', { class: 'btn btn-run', id: 'call-start', onclick: () => void this.start() }, icon('phone'), h('span', {}, 'Start call'));
    this.#hangupBtn = h('button', { class: 'btn btn-danger', id: 'call-hangup', onclick: () => void this.hangup() }, icon('close'), h('span', {}, 'Hang up'));
    this.#status = h('span', { class: 'call-status', id: 'call-status', role: 'status' });
    this.#data = new SampleData({ id: 'call-data', label: 'Call data (JSON)', hint: 'JSON, the data argument of main(data, ctx)', className: 'call-data', code: () => this.app.editor.code() });
    this.#keys = KEYS.map((k) =>
      h('button', { class: 'key', type: 'button', 'data-digit': k, 'aria-label': `Press ${k}`, onclick: () => void this.press(k) }, h('span', { class: 'key-digit' }, k), h('span', { class: 'key-letters', 'aria-hidden': 'true' }, LETTERS[k] ?? '')),
    );
    this.#pressed = h('output', { class: 'pressed', id: 'call-pressed', 'aria-label': 'Digits pressed' });
    this.#rows = h('tbody', {});
    this.#logs = h('div', { class: 'console small-console', id: 'call-logs', role: 'log', 'aria-live': 'polite', 'aria-label': 'Call logs' });
    this.#outcome = h('div', { class: 'outcome', id: 'call-outcome', 'aria-live': 'polite' });
    this.el = h(
      'div',
      { class: 'call-panel', onkeydown: (e: KeyboardEvent) => this.#key(e) },
      h('div', { class: 'run-bar' }, this.#startBtn, this.#hangupBtn, this.#status),
      ...this.#data.el,
      h(
        'div',
        { class: 'call-pad' },
        h('div', { class: 'keypad', id: 'keypad', role: 'group', 'aria-label': 'Keypad: press digits into the call (or type 0-9, * and #)' }, this.#keys),
        h('div', { class: 'call-pad-side' }, h('span', { class: 'field-label' }, 'Pressed'), this.#pressed, h('p', { class: 'muted fine' }, 'The caller’s keypad: digits go to the live call once it is answered. With the focus in this panel, the keys 0-9, * and # press them too.')),
      ),
      h('div', { class: 'section-head' }, h('h3', {}, icon('list'), 'Timeline'), h('span', { class: 'muted fine' }, 'ctx operations and events, as they happen'), h('span', { class: 'spacer' }), h('button', { class: 'btn btn-small btn-quiet', onclick: () => this.#clear() }, 'Clear')),
      h(
        'div',
        { class: 'timeline-wrap' },
        h('table', { class: 'timeline', id: 'call-timeline', 'aria-label': 'Call timeline' }, h('thead', {}, h('tr', {}, h('th', { class: 'tl-t' }, 'Time'), h('th', {}, 'Op / event'), h('th', {}, 'Arguments'), h('th', {}, 'Result'))), this.#rows),
      ),
      h('div', { class: 'section-head' }, h('h3', {}, icon('terminal'), 'Logs')),
      this.#logs,
      this.#outcome,
    );
    this.#clear();
    this.#render();
  }

  scriptChanged(s: Script | null): void {
    this.#stop(); // a call in progress is hung up (its stream closed), and forgotten
    this.#callId = null;
    this.#state = 'idle';
    this.#script = s;
    this.#clear();
    this.#render();
    if (!s) return;
    this.#data.load(s.id);
  }

  shown(): void {
    this.#data.layout();
  }

  /** Starts a call (nothing while one is on). */
  async start(): Promise<void> {
    const s = this.#script;
    if (!s || this.#state !== 'idle') return;
    const text = this.#data.value();
    if (text === null) return;
    if (!(await this.app.editor.ensureSaved())) return;
    const script = this.app.current ?? s;
    this.#clear();
    replace(this.#rows);
    replace(this.#logs);
    const ctl = new AbortController();
    this.#abort = ctl;
    const live = () => this.#abort === ctl; // not stopped for another script
    this.#set('starting', `Calling v${script.deployedVersion}…`);
    try {
      const end = await this.app.api.call(
        s.id,
        text,
        {
          onCall: (c) => {
            if (!live()) return;
            this.#callId = c.callId;
            this.#set('ringing', `Ringing: ${c.from} → ${c.to}`);
          },
          onTimeline: (i, e) => live() && this.#entry(i, e),
          onLog: (e) => {
            if (!live()) return;
            this.#logs.querySelector('.console-empty')?.remove();
            this.#logs.appendChild(logLine(e));
            this.#logs.scrollTop = this.#logs.scrollHeight;
          },
        },
        ctl.signal,
      );
      if (live()) this.#ended(end);
    } catch (err) {
      if (!live()) return;
      if ((err as Error).name === 'AbortError') replace(this.#outcome, h('p', { class: 'muted' }, 'Hung up and stopped watching.'));
      else replace(this.#outcome, errorBlock(this.app, { name: 'Error', code: (err as { code?: string }).code ?? 'REQUEST_FAILED', message: (err as Error).message }));
      this.#set('idle', '');
    } finally {
      if (live()) {
        this.#abort = null;
        this.#callId = null;
        if (this.#state !== 'idle') this.#set('idle', this.#status.textContent ?? '');
      }
    }
  }

  /** The caller presses a digit. */
  async press(digit: string): Promise<void> {
    const id = this.#callId;
    if (!id || this.#state !== 'answered') return;
    const key = this.#keys.find((k) => k.dataset.digit === digit);
    key?.classList.add('down');
    setTimeout(() => key?.classList.remove('down'), 160);
    this.#pressed.textContent = `${this.#pressed.textContent ?? ''}${digit}`;
    try {
      await this.app.api.dtmf(id, digit);
    } catch (err) {
      toast(`Digit ${digit} not sent: ${(err as Error).message}`, 'error');
    }
  }

  /** The caller hangs up. */
  async hangup(): Promise<void> {
    const id = this.#callId;
    if (!id) {
      this.#abort?.abort(); // not connected yet: stop the request
      return;
    }
    this.#set('ending', 'Hanging up…');
    try {
      await this.app.api.hangup(id);
    } catch {
      this.#abort?.abort(); // the call is gone already: stop watching
    }
  }

  #stop(): void {
    this.#abort?.abort();
    this.#abort = null;
  }

  #key(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey || !KEYS.includes(e.key)) return;
    const t = e.target as HTMLElement;
    if (t.closest('.monaco-editor, input, textarea, select')) return;
    e.preventDefault();
    void this.press(e.key);
  }

  #set(state: State, status: string): void {
    this.#state = state;
    this.#status.textContent = status;
    this.#render();
  }

  #render(): void {
    const on = this.#state !== 'idle';
    this.#startBtn.disabled = on || !this.#script;
    this.#hangupBtn.disabled = !on || this.#state === 'ending';
    for (const k of this.#keys) k.disabled = this.#state !== 'answered';
    this.#status.className = `call-status call-${this.#state}`;
  }

  #entry(i: number, e: TimelineEntry): void {
    this.#rows.querySelector('.tl-empty')?.remove();
    const row = timelineRow(i, e);
    const old = this.#rows.querySelector(`tr[data-i="${i}"]`);
    if (old) old.replaceWith(row);
    else this.#rows.appendChild(row);
    row.scrollIntoView({ block: 'nearest' });
    if (e.op === 'answer' && 'result' in e && this.#state === 'ringing') this.#set('answered', 'Connected: press digits on the keypad');
    if (e.event === 'hangup') this.#set('ending', `Ended: ${e.by === 'caller' ? 'the caller hung up' : String(e.reason ?? e.by)}`);
  }

  #ended(end: CallEnd): void {
    if (!this.#logs.childElementCount) this.#logs.appendChild(h('p', { class: 'console-empty muted' }, 'No logs.'));
    const last = [...end.timeline].reverse().find((x) => x.event === 'hangup');
    const how = last ? (last.by === 'caller' ? 'the caller hung up' : String(last.reason ?? last.by)) : 'the call ended';
    const secs = last ? ` after ${(last.t / 1000).toFixed(1)} s` : '';
    this.#set('idle', `Call ended${secs}`);
    if (end.ok) replace(this.#outcome, h('div', { class: 'result ok', id: 'call-result' }, h('div', { class: 'result-head' }, icon('check'), h('strong', {}, 'Call over'), h('span', { class: 'muted' }, `${how}${secs}`), h('span', { class: 'spacer' }), h('code', { class: 'muted fine' }, end.callId))));
    else if (end.error) {
      replace(this.#outcome, errorBlock(this.app, end.error));
      if (end.error.line !== undefined) this.app.editor.markError(end.error.line, end.error.column ?? 1, `${end.error.name}: ${end.error.message}`);
    }
  }

  #clear(): void {
    if (this.#state !== 'idle') return;
    replace(this.#rows, h('tr', { class: 'tl-empty' }, h('td', { colspan: 4, class: 'muted' }, 'Start a call to see each ctx operation and event here, live.')));
    replace(this.#logs, h('p', { class: 'console-empty muted' }, 'The script’s console.log and ctx.log lines come here.'));
    replace(this.#outcome);
    this.#pressed.textContent = '';
    this.#status.textContent = '';
  }
}

/** One timeline entry: when, what, with what, and what came of it (or a spinner while pending). */
export function timelineRow(i: number, e: TimelineEntry): HTMLTableRowElement {
  const args = Object.entries(e).filter(([k]) => !NOT_ARGS.has(k));
  const pending = e.op !== undefined && !('result' in e) && !('error' in e);
  const kind = e.op !== undefined ? 'op' : 'event';
  return h(
    'tr',
    { 'data-i': String(i), class: `tl-${kind}${e.error ? ' tl-error' : ''}${pending ? ' tl-pending' : ''}`, 'data-name': e.op ?? e.event ?? '' },
    h('td', { class: 'tl-t' }, `${(e.t / 1000).toFixed(3)} s`),
    h('td', { class: 'tl-name' }, e.op !== undefined ? h('code', {}, `ctx.${e.op}`) : h('span', { class: 'tag' }, e.event ?? '')),
    h('td', { class: 'tl-args' }, args.map(([k, v]) => h('span', { class: 'tl-arg' }, h('span', { class: 'muted' }, `${k}: `), show(v)))),
    h(
      'td',
      { class: 'tl-result' },
      pending
        ? h('span', { class: 'running-note' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'pending')
        : e.error
          ? h('span', { class: 'tl-err' }, `${e.error.name}: ${e.error.message}`)
          : kind === 'op'
            ? show(e.result)
            : '',
      e.end !== undefined && e.end !== e.t ? h('span', { class: 'muted fine tl-end' }, ` ${((e.end - e.t) / 1000).toFixed(3)} s`) : null,
    ),
  );
}

function show(v: unknown): string {
  if (v === undefined) return '';
  if (v === null) return '—';
  const s = JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 197)}…` : s;
}
