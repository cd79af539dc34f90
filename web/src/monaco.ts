/**
 * Monaco, bundled (no CDN): the editor core, JavaScript, the TypeScript worker fed ScriptForge's
 * type definitions (web/types/scriptforge.d.ts), JSON for sample data, a theme that matches the IDE,
 * and a quick fix that adds the JSDoc typing main's parameters.
 */
import * as monaco from 'monaco-editor/editor/editor.api.js';
import 'monaco-editor/internal/common/workers.js';
import 'monaco-editor/languages/definitions/javascript/register.js';
import { javascriptDefaults, ModuleKind, ScriptTarget } from 'monaco-editor/languages/features/typescript/register.js';
import { jsonDefaults } from 'monaco-editor/languages/features/json/register.js';
import typeDefinitions from '../types/scriptforge.d.ts?raw';
import { addTypeHints, findMain } from './analyze.js';

export { monaco };

/** Worker URLs, by Monaco's worker label; written by scripts/build-web.mjs (hashed names). */
declare const __SF_WORKERS__: Record<string, string>;

(self as unknown as { MonacoEnvironment: monaco.Environment }).MonacoEnvironment = {
  getWorker(_id: string, label: string) {
    const file = label === 'typescript' || label === 'javascript' ? 'ts.worker' : label === 'json' ? 'json.worker' : 'editor.worker';
    return new Worker(__SF_WORKERS__[file], { name: label });
  },
};

javascriptDefaults.setCompilerOptions({
  target: ScriptTarget.ES2020,
  module: ModuleKind.ESNext,
  allowJs: true,
  checkJs: false,
  allowNonTsExtensions: true,
  // The sandbox: the language, and the globals scriptforge.d.ts declares; no DOM, no Node.
  lib: ['es2023'],
});
// Syntax errors are marked as you type; type errors are not (customer code is plain JavaScript).
javascriptDefaults.setDiagnosticsOptions({ noSemanticValidation: true, noSyntaxValidation: false });
javascriptDefaults.addExtraLib(typeDefinitions, 'file:///node_modules/@types/scriptforge/index.d.ts');
javascriptDefaults.setEagerModelSync(true);
jsonDefaults.setDiagnosticsOptions({ validate: true, allowComments: false, trailingCommas: 'error' });

monaco.editor.defineTheme('scriptforge', {
  base: 'vs-dark',
  inherit: true,
  rules: [
    { token: 'comment', foreground: '6b7a8c', fontStyle: 'italic' },
    { token: 'string', foreground: 'a5d6a7' },
    { token: 'number', foreground: 'f2c57c' },
    { token: 'keyword', foreground: '7fb8ff' },
  ],
  colors: {
    'editor.background': '#0d1218',
    'editor.lineHighlightBackground': '#141c25',
    'editorLineNumber.foreground': '#3b4a5c',
    'editorLineNumber.activeForeground': '#8aa0b8',
    'editorGutter.background': '#0d1218',
    'editor.selectionBackground': '#1f4a5a',
    'editorWidget.background': '#121a23',
    'editorSuggestWidget.background': '#121a23',
    'editorSuggestWidget.selectedBackground': '#1b3040',
    'editorHoverWidget.background': '#121a23',
    'editorWidget.border': '#26384a',
    'focusBorder': '#3ec1ad',
    'diffEditor.insertedTextBackground': '#2ea04326',
    'diffEditor.removedTextBackground': '#f8514926',
    'minimap.background': '#0d1218',
  },
});

export const editorDefaults: monaco.editor.IStandaloneEditorConstructionOptions = {
  theme: 'scriptforge',
  automaticLayout: true,
  fontFamily: 'ui-monospace, "SF Mono", "Cascadia Code", Menlo, Consolas, "DejaVu Sans Mono", monospace',
  fontSize: 13.5,
  lineHeight: 21,
  minimap: { enabled: false },
  scrollBeyondLastLine: false,
  tabSize: 2,
  renderLineHighlight: 'all',
  fixedOverflowWidgets: true,
  padding: { top: 10 },
  // Screen readers: Monaco's own accessibility mode; Ctrl-M moves focus out with Tab.
  accessibilitySupport: 'auto',
  ariaLabel: 'Script code',
};

/** Quick fix (Ctrl-.) on a main() without JSDoc: type its parameters for autocompletion. */
monaco.languages.registerCodeActionProvider('javascript', {
  provideCodeActions(model, range) {
    const main = findMain(model.getValue());
    const hinted = main && range.startLineNumber <= main.line && range.endLineNumber >= main.line ? addTypeHints(model.getValue()) : null;
    if (!main || !hinted) return { actions: [], dispose() {} };
    return {
      actions: [
        {
          title: 'Add ScriptForge types to main() (autocomplete for data and ctx)',
          kind: 'quickfix',
          edit: { edits: [{ resource: model.uri, versionId: model.getVersionId(), textEdit: { range: new monaco.Range(main.line, 1, main.line, 1), text: hinted.text } }] },
        },
      ],
      dispose() {},
    };
  },
});

/** A small JSON editor (sample data, a routing call): validated as you type. */
export function jsonEditor(host: HTMLElement, value: string, label: string, onChange: (text: string) => void): monaco.editor.IStandaloneCodeEditor {
  const model = monaco.editor.createModel(value, 'json');
  const ed = monaco.editor.create(host, {
    ...editorDefaults,
    model,
    ariaLabel: label,
    fontSize: 12.5,
    lineHeight: 19,
    lineNumbersMinChars: 3,
    folding: true,
    glyphMargin: false,
    padding: { top: 6 },
    scrollbar: { verticalScrollbarSize: 8, horizontalScrollbarSize: 8 },
    renderLineHighlight: 'none',
    overviewRulerLanes: 0,
  });
  model.onDidChangeContent(() => onChange(model.getValue()));
  return ed;
}

/** The first JSON syntax error, as a message with its line, or null. */
export function jsonProblem(text: string): string | null {
  if (text.trim() === '') return null;
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : null;
    return `Not valid JSON${line ? ` (line ${line})` : ''}: ${(err as Error).message}`;
  }
}
