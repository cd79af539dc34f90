/**
 * The sample data of the Run and Call tabs: a JSON editor remembered per script (both tabs share
 * it), with Reset to the sample the code suggests, and the error shown when it is not JSON.
 */
import { h } from '../dom.js';
import { jsonEditor, jsonProblem, type monaco } from '../monaco.js';
import { remembered } from '../storage.js';
import { defaultSample } from '../templates.js';

export class SampleData {
  /** The section: its heading (with Reset), the editor and the error line. */
  readonly el: HTMLElement[];
  readonly #host: HTMLElement;
  readonly #error: HTMLElement;
  #editor: monaco.editor.IStandaloneCodeEditor | null = null;
  #scriptId: string | null = null;

  constructor(
    readonly o: { id: string; label: string; hint: string; className?: string; code: () => string },
  ) {
    this.#host = h('div', { class: `json-host ${o.className ?? ''}`.trim(), id: o.id });
    this.#error = h('p', { class: 'field-error', role: 'alert' });
    this.el = [
      h(
        'div',
        { class: 'section-head' },
        h('h3', { id: `${o.id}-label` }, 'Data'),
        h('span', { class: 'muted fine' }, o.hint),
        h('span', { class: 'spacer' }),
        h('button', { class: 'btn btn-small btn-quiet', onclick: () => this.reset() }, 'Reset'),
      ),
      this.#host,
      this.#error,
    ];
  }

  /** Shows the script's remembered data, or the sample its code suggests. */
  load(scriptId: string): void {
    this.#scriptId = scriptId;
    this.#set(remembered.runData(scriptId) ?? defaultSample(this.o.code()));
  }

  reset(): void {
    if (this.#scriptId) this.#set(defaultSample(this.o.code()));
  }

  layout(): void {
    this.#editor?.layout();
  }

  /** The JSON text, or null (with the problem shown) when it is not JSON. */
  value(): string | null {
    const text = this.#editor?.getValue() ?? '';
    const problem = jsonProblem(text);
    if (problem) {
      this.#error.textContent = problem;
      return null;
    }
    return text;
  }

  #set(text: string): void {
    if (this.#editor) {
      this.#editor.setValue(text);
      return;
    }
    this.#editor = jsonEditor(this.#host, text, this.o.label, (t) => {
      if (this.#scriptId) remembered.setRunData(this.#scriptId, t);
      this.#error.textContent = '';
    });
  }
}
