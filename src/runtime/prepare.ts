/**
 * Turns customer code, in any of the formats customers write, into the one shape the engine runs: a
 * factory function evaluated once per execution (fresh) or once per warm context (reuse).
 *
 * ES modules are rewritten in place, keeping every line and column where it was: `export ` and
 * import statements become spaces, `export default ` becomes `__sf_default=`, and the imports'
 * bindings are made on the wrapper's own first line. So error positions are the customer's own.
 */
import { createHash } from 'node:crypto';
import { ExecutionTypeError, ModuleNotFoundError } from '../engine/errors.js';
import type { ExecutionType, PreparedScript } from '../engine/types.js';
import { analyze, declared, type Analysis } from './analyze.js';

type AnyNode = { type: string; start: number; end: number; [k: string]: unknown };

export interface PrepareOptions {
  type: ExecutionType;
  tenant: string;
  filename: string;
  /** Names the module registry offers; a static import of anything else fails before running. */
  availableModules: readonly string[];
}

export interface Prepared extends PreparedScript {
  /** What analysis found, without the syntax tree (not kept: prepared scripts are cached). */
  analysis: Omit<Analysis, 'program'> & { program: undefined };
}

const PARAMS = 'module, exports, require, __sf_import, __sf_dynamic_import';

export function prepare(code: string, opts: PrepareOptions): Prepared {
  const a = analyze(code);
  checkType(a, opts.type);
  for (const m of a.modules) {
    if (!opts.availableModules.includes(m.name)) {
      const list = opts.availableModules.length ? opts.availableModules.join(', ') : '(none)';
      throw new ModuleNotFoundError(
        `Module '${m.name}' is not available in the sandbox (line ${m.line}, column ${m.column}). Available modules: ${list}`,
        { line: m.line, column: m.column },
      );
    }
  }
  const body = rewrite(code, a);
  const locals = a.format === 'esm' ? [] : [...new Set(a.topLevel)];
  const asyncFactory = a.topLevelAwait ? 'async ' : '';
  const header = `(${asyncFactory}function (${PARAMS}) {${a.format === 'esm' ? "'use strict';" : ''}${body.prologue}`;
  const ret = locals.map((n) => `${JSON.stringify(n)}: typeof ${n} === 'undefined' ? undefined : ${n}`).join(', ');
  const source = `${header}\n${body.code}\n;${body.epilogue}return {${ret}};\n})`;
  const key = createHash('sha256').update(opts.filename).update('\0').update(source).digest('base64url').slice(0, 22);
  return {
    key,
    tenant: opts.tenant,
    filename: opts.filename,
    source,
    lineOffset: -1,
    format: a.format,
    modules: modulesOf(code, a, opts),
    analysis: { ...a, program: undefined },
  };
}

/**
 * The registry modules the script loads, plus 'fetch' when an `app` or `driver` names the global
 * `fetch` anywhere (a plain text match: a false positive only defines the module, never runs it).
 */
function modulesOf(code: string, a: Analysis, opts: PrepareOptions): string[] {
  const names = new Set(a.modules.map((m) => m.name));
  if (opts.type !== 'script' && opts.availableModules.includes('fetch') && /\bfetch\b/.test(code)) names.add('fetch');
  return [...names];
}

/** A `script` runs synchronously: it may not load modules or await. Said before it runs, with the line. */
function checkType(a: Analysis, type: ExecutionType): void {
  if (type !== 'script') return;
  const hint = "type 'script' runs synchronously and cannot load modules or await: use type 'app'";
  const m = a.modules[0];
  if (m) {
    const what = m.how === 'require' ? `require('${m.name}')` : m.how === 'import' ? `import from '${m.name}'` : `import('${m.name}')`;
    throw new ExecutionTypeError(`${what} at line ${m.line}: ${hint}`, { line: m.line, column: m.column });
  }
  if (a.dynamicRequire) {
    throw new ExecutionTypeError(`require() at line ${a.dynamicRequire.line}: ${hint}`, a.dynamicRequire);
  }
  if (a.firstAwait) {
    throw new ExecutionTypeError(`await at line ${a.firstAwait.line}: ${hint}`, a.firstAwait);
  }
}

function blank(s: string): string {
  return s.replace(/[^\n\r\u2028\u2029]/g, ' ');
}

function rewrite(code: string, a: Analysis): { code: string; prologue: string; epilogue: string } {
  const edits: { start: number; end: number; text: string }[] = [];
  const prologue: string[] = a.format === 'esm' ? ['let __sf_default;'] : [];
  const epilogue: string[] = [];
  let n = 0;
  const replace = (start: number, end: number, text: string) => {
    const original = code.slice(start, end);
    edits.push({ start, end, text: text + blank(original).slice(text.length) });
  };
  const importOf = (src: AnyNode) => `__sf_import(${JSON.stringify(String(src.value))})`;

  const statements = a.format === 'esm' ? (a.program.body as unknown as AnyNode[]) : [];
  for (const node of statements) {
    switch (node.type) {
      case 'ImportDeclaration': {
        const specs = node.specifiers as AnyNode[];
        const from = importOf(node.source as AnyNode);
        if (specs.length === 0) prologue.push(`${from};`);
        else {
          const ns = `__sf_m${n++}`;
          prologue.push(`const ${ns} = ${from};`);
          for (const s of specs) {
            const local = (s.local as AnyNode).name as string;
            if (s.type === 'ImportDefaultSpecifier') prologue.push(`const ${local} = ${ns}.default;`);
            else if (s.type === 'ImportNamespaceSpecifier') prologue.push(`const ${local} = ${ns};`);
            else prologue.push(`const ${local} = ${ns}[${JSON.stringify(exportedName(s.imported as AnyNode))}];`);
          }
        }
        replace(node.start, node.end, '');
        break;
      }
      case 'ExportNamedDeclaration': {
        const decl = node.declaration as AnyNode | null;
        if (decl) {
          replace(node.start, decl.start, '');
          for (const name of declared(decl as never)) epilogue.push(`exports[${JSON.stringify(name)}] = ${name};`);
          break;
        }
        const src = node.source as AnyNode | null;
        const ns = src ? `__sf_m${n++}` : null;
        if (src) prologue.push(`const ${ns} = ${importOf(src)};`);
        for (const s of node.specifiers as AnyNode[]) {
          const local = exportedName(s.local as AnyNode);
          const value = ns ? `${ns}[${JSON.stringify(local)}]` : local;
          epilogue.push(`exports[${JSON.stringify(exportedName(s.exported as AnyNode))}] = ${value};`);
        }
        replace(node.start, node.end, '');
        break;
      }
      case 'ExportAllDeclaration': {
        const ns = `__sf_m${n++}`;
        prologue.push(`const ${ns} = ${importOf(node.source as AnyNode)};`);
        const exported = node.exported as AnyNode | null;
        if (exported) epilogue.push(`exports[${JSON.stringify(exportedName(exported))}] = ${ns};`);
        else epilogue.push(`for (const k of Object.keys(${ns})) if (k !== 'default') exports[k] = ${ns}[k];`);
        replace(node.start, node.end, '');
        break;
      }
      case 'ExportDefaultDeclaration': {
        const decl = node.declaration as AnyNode;
        const id = decl.id as AnyNode | null | undefined;
        if ((decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration') && id) {
          replace(node.start, decl.start, '');
          epilogue.push(`exports.default = ${id.name as string};`);
        } else {
          replace(node.start, decl.start, '__sf_default=');
          epilogue.push('exports.default = __sf_default;');
        }
        break;
      }
    }
  }
  // Dynamic import('x'): the keyword becomes a function of the same length.
  for (const start of a.dynamicImports) edits.push({ start, end: start + 6, text: '__sfdi' });

  edits.sort((x, y) => x.start - y.start);
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += code.slice(at, e.start) + e.text;
    at = e.end;
  }
  out += code.slice(at);
  return { code: out, prologue: [...(a.dynamicImports.length ? ['const __sfdi = __sf_dynamic_import;'] : []), ...prologue].join(' '), epilogue: epilogue.join(' ') };
}

function exportedName(n: AnyNode): string {
  return n.type === 'Identifier' ? (n.name as string) : String(n.value);
}
