/**
 * The editor: Monaco with ScriptForge's types, one model per opened script (unsaved edits survive
 * switching scripts), Ctrl/Cmd-S saving a new version, markers for syntax errors (as you type), for
 * code the server refused (on save) and for a run's error (with a jump to its line), and the diff
 * between two versions in Monaco's diff editor.
 */
import type { App } from '../app.js';
import { ApiError, type Script } from '../api.js';
import { h, icon, replace, toast, MOD } from '../dom.js';
import { editorDefaults, monaco } from '../monaco.js';
import { TEMPLATES } from '../templates.js';
import { findMain, addTypeHints } from '../analyze.js';
import { deleteScriptDialog, settingsDialog } from './scripts.js';

interface Open {
  model: monaco.editor.ITextModel;
  /** The model's alternative version id when it matched the server's code, and that code. */
  savedAt: number;
  saved: string;
  viewState: monaco.editor.ICodeEditorViewState | null;
}

export class EditorPane {
  readonly el: HTMLElement;
  readonly #head: HTMLElement;
  readonly #host: HTMLElement;
  readonly #diffHost: HTMLElement;
  readonly #diffBar: HTMLElement;
  readonly #status: HTMLElement;
  readonly #welcome: HTMLElement;
  #editor: monaco.editor.IStandaloneCodeEditor | null = null;
  #diff: monaco.editor.IStandaloneDiffEditor | null = null;
  #diffModels: monaco.editor.ITextModel[] = [];
  readonly #open = new Map<string, Open>();
  #script: Script | null = null;
  #saving = false;
  #runDecorations: monaco.editor.IEditorDecorationsCollection | null = null;

  constructor(readonly app: App) {
    this.#head = h('div', { class: 'editor-head' });
    this.#host = h('div', { class: 'editor-host', id: 'editor' });
    this.#diffBar = h('div', { class: 'diff-bar', hidden: true });
    this.#diffHost = h('div', { class: 'editor-host diff-host', hidden: true });
    this.#status = h('div', { class: 'statusbar', 'aria-live': 'off' });
    this.#welcome = h('div', { class: 'welcome', hidden: true });
    this.el = h('section', { class: 'editor-area', 'aria-label': 'Editor' }, this.#head, this.#diffBar, this.#host, this.#diffHost, this.#welcome, this.#status);
    app.on('updated', (s) => {
      if (s.id === this.#script?.id) {
        this.#script = { ...this.#script, ...s };
        this.#renderHead();
      }
    });
  }

  #ensureEditor(): monaco.editor.IStandaloneCodeEditor {
    if (this.#editor) return this.#editor;
    const ed = monaco.editor.create(this.#host, { ...editorDefaults, model: null });
    ed.onDidChangeCursorPosition(() => this.#renderStatus());
    ed.onDidChangeModelContent(() => {
      const id = this.#script?.id;
      if (!id) return;
      monaco.editor.setModelMarkers(ed.getModel()!, 'scriptforge', []);
      this.#runDecorations?.clear();
      this.#renderHead();
      this.#renderStatus();
      this.app.sidebar.render();
    });
    monaco.editor.onDidChangeMarkers(() => this.#renderStatus());
    // Inside Monaco the window's shortcut handler does not see the keys: bind them here too.
    ed.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => void this.save());
    ed.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => {
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true }));
    });
    this.#editor = ed;
    return ed;
  }

  /** Shows a script's deployed code (or this tab's unsaved edits of it). */
  async open(s: Script): Promise<void> {
    this.closeDiff();
    const ed = this.#ensureEditor();
    if (this.#script && this.#open.has(this.#script.id)) this.#open.get(this.#script.id)!.viewState = ed.saveViewState();
    let o = this.#open.get(s.id);
    const code = s.code ?? '';
    if (!o) {
      const model = monaco.editor.createModel(code, 'javascript', monaco.Uri.parse(`file:///scripts/${s.id}.js`));
      o = { model, savedAt: model.getAlternativeVersionId(), saved: code, viewState: null };
      this.#open.set(s.id, o);
    } else if (!this.isDirty(s.id) && o.model.getValue() !== code) {
      o.model.setValue(code);
      o.savedAt = o.model.getAlternativeVersionId();
      o.saved = code;
    }
    this.#script = s;
    this.#welcome.hidden = true;
    this.#host.hidden = false;
    ed.setModel(o.model);
    if (o.viewState) ed.restoreViewState(o.viewState);
    this.#renderHead();
    this.#renderStatus();
  }

  /** No script: a welcome with the ways to start. */
  empty(): void {
    this.closeDiff();
    this.#script = null;
    this.#editor?.setModel(null);
    this.#host.hidden = true;
    this.#welcome.hidden = false;
    replace(this.#head);
    replace(this.#status);
    replace(
      this.#welcome,
      h(
        'div',
        { class: 'welcome-card' },
        h('h1', {}, 'Write your first script'),
        h('p', { class: 'muted' }, 'Class 4 routing scripts change or reject calls on the switch; apps use the platform modules; drivers bridge number providers. Start from a customer example:'),
        h('ul', { class: 'welcome-list' }, TEMPLATES.slice(0, 5).map((t) => h('li', {}, h('strong', {}, t.label), h('span', { class: 'muted' }, ` — ${t.about}`)))),
        h('button', { class: 'btn btn-primary', onclick: () => void this.app.create() }, icon('plus'), h('span', {}, 'New script')),
      ),
    );
  }

  focus(): void {
    this.#editor?.focus();
  }

  get script(): Script | null {
    return this.#script;
  }

  code(): string {
    return this.#editor?.getModel()?.getValue() ?? '';
  }

  /** Whether the editor's code differs from the deployed code it was opened or saved with (undo back to it counts as clean). */
  isDirty(id: string): boolean {
    const o = this.#open.get(id);
    if (!o || o.model.getAlternativeVersionId() === o.savedAt) return false;
    return o.model.getValueLength() !== o.saved.length || o.model.getValue() !== o.saved;
  }

  anyDirty(): boolean {
    return [...this.#open.keys()].some((id) => this.isDirty(id));
  }

  forget(id: string): void {
    this.#open.get(id)?.model.dispose();
    this.#open.delete(id);
  }

  /** Saves the editor's code as a new version (deployed). False when it could not be saved. */
  async save(): Promise<boolean> {
    const s = this.#script;
    const o = s && this.#open.get(s.id);
    if (!s || !o || this.#saving) return false;
    if (!this.isDirty(s.id)) {
      toast(`No changes: v${s.deployedVersion} is deployed`, 'info');
      return true;
    }
    this.#saving = true;
    this.#renderHead();
    const at = o.model.getAlternativeVersionId();
    const code = o.model.getValue();
    try {
      const updated = await this.app.api.updateScript(s.id, { code });
      o.savedAt = at;
      o.saved = code;
      this.app.updated(updated);
      toast(`Saved ${updated.name} as v${updated.latestVersion}, deployed`, 'ok');
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.line !== undefined) {
        this.markError(err.line, err.column ?? 1, err.message, 'scriptforge');
        this.jumpTo(err.line, err.column ?? 1);
        toast(`Not saved: ${err.message}`, 'error');
      } else this.app.fail(err);
      return false;
    } finally {
      this.#saving = false;
      this.#renderHead();
      this.app.sidebar.render();
    }
  }

  /** Saves first when there are unsaved edits (a run runs the deployed version). */
  async ensureSaved(): Promise<boolean> {
    return !this.#script || !this.isDirty(this.#script.id) || this.save();
  }

  /** Puts the cursor on a line of the script (1-based), scrolled into view, and focuses the editor. */
  jumpTo(line: number, column = 1): void {
    const ed = this.#editor;
    if (!ed || !ed.getModel()) return;
    this.closeDiff();
    ed.revealLineInCenter(line);
    ed.setPosition({ lineNumber: line, column });
    ed.focus();
  }

  /** A red squiggle and line highlight where a run or the server said the code is wrong. */
  markError(line: number, column: number, message: string, owner = 'scriptforge-run'): void {
    const ed = this.#editor;
    const model = ed?.getModel();
    if (!ed || !model) return;
    const l = Math.min(Math.max(1, line), model.getLineCount());
    const end = model.getLineMaxColumn(l);
    monaco.editor.setModelMarkers(model, owner, [{ severity: monaco.MarkerSeverity.Error, message, startLineNumber: l, startColumn: Math.min(column, end), endLineNumber: l, endColumn: end }]);
    this.#runDecorations?.clear();
    this.#runDecorations = ed.createDecorationsCollection([{ range: new monaco.Range(l, 1, l, 1), options: { isWholeLine: true, className: 'line-error', glyphMarginClassName: 'glyph-error' } }]);
  }

  clearRunMarks(): void {
    const model = this.#editor?.getModel();
    if (model) monaco.editor.setModelMarkers(model, 'scriptforge-run', []);
    this.#runDecorations?.clear();
  }

  get diffing(): boolean {
    return !this.#diffHost.hidden;
  }

  /** Monaco's diff editor between two versions' code, in place of the editor. */
  showDiff(left: { label: string; code: string }, right: { label: string; code: string }): void {
    this.#diffModels.forEach((m) => m.dispose());
    this.#diffModels = [monaco.editor.createModel(left.code, 'javascript'), monaco.editor.createModel(right.code, 'javascript')];
    this.#diff ??= monaco.editor.createDiffEditor(this.#diffHost, { ...editorDefaults, readOnly: true, originalEditable: false, renderSideBySide: true, useInlineViewWhenSpaceIsLimited: true, ariaLabel: 'Version diff' });
    this.#diffHost.hidden = false;
    this.#host.hidden = true;
    this.#diffBar.hidden = false;
    replace(
      this.#diffBar,
      icon('diff'),
      h('span', { class: 'diff-title' }, h('strong', {}, left.label), ' → ', h('strong', {}, right.label)),
      h('span', { class: 'muted' }, 'read only'),
      h('span', { class: 'spacer' }),
      h('button', { class: 'btn btn-small', id: 'close-diff', onclick: () => this.closeDiff() }, icon('close'), h('span', {}, 'Close diff'), h('kbd', {}, 'Esc')),
    );
    this.#diff.setModel({ original: this.#diffModels[0], modified: this.#diffModels[1] });
    (this.#diffBar.querySelector('#close-diff') as HTMLElement).focus();
  }

  closeDiff(): void {
    if (this.#diffHost.hidden) return;
    this.#diffHost.hidden = true;
    this.#diffBar.hidden = true;
    this.#host.hidden = !this.#script;
    this.#diff?.setModel(null);
    this.#diffModels.forEach((m) => m.dispose());
    this.#diffModels = [];
    this.#editor?.focus();
  }

  #renderHead(): void {
    const s = this.#script;
    if (!s) return replace(this.#head);
    const dirty = this.isDirty(s.id);
    replace(
      this.#head,
      h(
        'div',
        { class: 'head-title' },
        h('h1', { class: 'script-title' }, s.name),
        h('span', { class: `stype stype-${s.type}` }, s.type),
        h('span', { class: 'version-badge', title: 'The deployed version runs' }, `v${s.deployedVersion} deployed`),
        s.latestVersion !== s.deployedVersion ? h('span', { class: 'version-badge warn', title: 'A newer version exists and is not deployed' }, `latest v${s.latestVersion}`) : null,
        dirty ? h('span', { class: 'dirty', role: 'status' }, '● unsaved') : null,
      ),
      h(
        'div',
        { class: 'head-actions' },
        h('button', { class: 'btn btn-primary', id: 'save', disabled: this.#saving, title: 'Save a new version and deploy it (Ctrl/Cmd-S)', onclick: () => void this.save() }, icon('save'), h('span', {}, this.#saving ? 'Saving…' : 'Save'), h('kbd', {}, `${MOD} S`)),
        h('button', { class: 'icon-btn', id: 'settings', 'aria-label': 'Rename or change type', title: 'Rename or change type', onclick: () => void settingsDialog(this.app, s).catch((e) => this.app.fail(e)) }, icon('edit')),
        h('button', { class: 'icon-btn danger', id: 'delete', 'aria-label': 'Delete script', title: 'Delete script', onclick: () => void deleteScriptDialog(this.app, s) }, icon('trash')),
      ),
    );
  }

  #renderStatus(): void {
    const ed = this.#editor;
    const model = ed?.getModel();
    if (!ed || !model || !this.#script) return replace(this.#status);
    const pos = ed.getPosition();
    const markers = monaco.editor.getModelMarkers({ resource: model.uri }).filter((m) => m.severity === monaco.MarkerSeverity.Error);
    const main = findMain(model.getValue());
    const hintable = main && !main.documented && main.params.length > 0;
    replace(
      this.#status,
      markers.length
        ? h('button', { class: 'status-item status-error', onclick: () => this.jumpTo(markers[0].startLineNumber, markers[0].startColumn) }, icon('alert'), `${markers.length} error${markers.length > 1 ? 's' : ''}: line ${markers[0].startLineNumber}: ${markers[0].message}`)
        : h('span', { class: 'status-item status-ok' }, icon('check'), 'No syntax errors'),
      hintable
        ? h(
            'button',
            {
              class: 'status-item link',
              title: 'Adds a JSDoc comment typing main()’s parameters, so that data. and ctx. autocomplete',
              onclick: () => {
                const r = addTypeHints(model.getValue());
                if (r) ed.executeEdits('type-hints', [{ range: new monaco.Range(r.line, 1, r.line, 1), text: r.text }]);
              },
            },
            '+ types for main()',
          )
        : null,
      h('span', { class: 'spacer' }),
      h('span', { class: 'status-item', id: 'cursor-pos' }, pos ? `Ln ${pos.lineNumber}, Col ${pos.column}` : ''),
      h('span', { class: 'status-item muted hide-narrow' }, 'JavaScript · ScriptForge types'),
      h('span', { class: 'status-item muted hide-narrow' }, h('kbd', {}, `${MOD} S`), ' save ', h('kbd', {}, `${MOD} ↵`), ' run'),
    );
  }
}
