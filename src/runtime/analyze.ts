/**
 * Reads customer code without running it (acorn): its format (legacy script or ES module), what it
 * declares, requires, imports, exports and awaits, with positions in the customer's own source.
 * Everything the runtime decides before execution (type checks, the module whitelist, guessing the
 * type, the wrapper) comes from here.
 */
import * as acorn from 'acorn';
import { ScriptSyntaxError } from '../engine/errors.js';

export interface Position {
  line: number;
  column: number;
}
export interface ModuleUse extends Position {
  name: string;
  how: 'require' | 'import' | 'dynamic-import';
}

export interface Analysis {
  format: 'legacy' | 'esm';
  program: acorn.Program;
  /** Top-level bindings (function, var, let, const, class). */
  topLevel: string[];
  /** Names exported: ES `export` or CommonJS `module.exports` / `exports.x` / `module.export`. */
  exported: string[];
  /** Static module loads: require('x'), import ... from 'x', import('x'). */
  modules: ModuleUse[];
  /** Source offsets of dynamic `import(` keywords. */
  dynamicImports: number[];
  /** require() called with something other than a string literal. */
  dynamicRequire: Position | null;
  firstAwait: Position | null;
  topLevelAwait: boolean;
  hasAsyncFunction: boolean;
  hasMain: boolean;
}

type AnyNode = acorn.Node & Record<string, unknown>;

const PARSE: acorn.Options = {
  ecmaVersion: 'latest',
  locations: true,
  allowHashBang: true,
  allowAwaitOutsideFunction: true,
};

export function analyze(code: string): Analysis {
  let program: acorn.Program;
  let format: Analysis['format'] = 'legacy';
  try {
    program = acorn.parse(code, { ...PARSE, sourceType: 'script' });
  } catch (scriptErr) {
    // import/export are only valid in a module; everything else is a real syntax error.
    try {
      program = acorn.parse(code, { ...PARSE, sourceType: 'module' });
      format = 'esm';
    } catch (moduleErr) {
      const usesModuleSyntax = /'import' and 'export' may appear only/.test((scriptErr as Error).message);
      throw toSyntaxError((usesModuleSyntax ? moduleErr : scriptErr) as Error);
    }
  }
  if (format === 'legacy' && program.body.some((n) => n.type === 'ImportDeclaration' || n.type.startsWith('Export'))) {
    format = 'esm';
  }

  const a: Analysis = {
    format, program, topLevel: [], exported: [], modules: [], dynamicImports: [], dynamicRequire: null,
    firstAwait: null, topLevelAwait: false, hasAsyncFunction: false, hasMain: false,
  };

  for (const stmt of program.body as AnyNode[]) collectTopLevel(stmt, a);
  walk(program as unknown as AnyNode, 0, a);
  a.hasMain = a.topLevel.includes('main') || a.exported.includes('main') || a.exported.includes('default');
  return a;
}

function toSyntaxError(err: Error): ScriptSyntaxError {
  const loc = (err as { loc?: { line: number; column: number } }).loc;
  const message = err.message.replace(/\s*\(\d+:\d+\)$/, '');
  return new ScriptSyntaxError(loc ? `${message} (line ${loc.line}, column ${loc.column + 1})` : message, {
    line: loc?.line,
    column: loc ? loc.column + 1 : undefined,
  });
}

function pos(n: acorn.Node): Position {
  return { line: n.loc!.start.line, column: n.loc!.start.column + 1 };
}

function patternNames(p: AnyNode | null, out: string[]): void {
  if (!p) return;
  switch (p.type) {
    case 'Identifier': out.push(p.name as string); break;
    case 'ObjectPattern': for (const prop of p.properties as AnyNode[]) patternNames((prop.type === 'RestElement' ? prop.argument : prop.value) as AnyNode, out); break;
    case 'ArrayPattern': for (const el of p.elements as (AnyNode | null)[]) patternNames(el, out); break;
    case 'RestElement': patternNames(p.argument as AnyNode, out); break;
    case 'AssignmentPattern': patternNames(p.left as AnyNode, out); break;
  }
}

/** Names a declaration binds (function, class, or every identifier of a var/let/const pattern). */
export function declared(decl: AnyNode): string[] {
  const names: string[] = [];
  if (decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration') {
    if (decl.id) names.push((decl.id as AnyNode).name as string);
  } else if (decl.type === 'VariableDeclaration') {
    for (const d of decl.declarations as AnyNode[]) patternNames(d.id as AnyNode, names);
  }
  return names;
}

function collectTopLevel(stmt: AnyNode, a: Analysis): void {
  switch (stmt.type) {
    case 'FunctionDeclaration': case 'ClassDeclaration': case 'VariableDeclaration':
      a.topLevel.push(...declared(stmt));
      break;
    case 'ExportNamedDeclaration':
      if (stmt.declaration) {
        const names = declared(stmt.declaration as AnyNode);
        a.topLevel.push(...names);
        a.exported.push(...names);
      }
      for (const s of (stmt.specifiers as AnyNode[]) ?? []) a.exported.push(exportName(s.exported as AnyNode));
      break;
    case 'ExportDefaultDeclaration':
      a.exported.push('default');
      break;
    case 'ExportAllDeclaration':
      if (stmt.exported) a.exported.push(exportName(stmt.exported as AnyNode));
      break;
  }
}

function exportName(n: AnyNode): string {
  return n.type === 'Identifier' ? (n.name as string) : String(n.value);
}

/** `module.exports = ...`, `module.exports.x = ...`, `exports.x = ...`, `module.export = ...`. */
function commonJsExport(target: AnyNode): string | null {
  if (target.type !== 'MemberExpression') return null;
  const obj = target.object as AnyNode;
  const prop = target.property as AnyNode;
  const key = target.computed ? (prop.type === 'Literal' ? String(prop.value) : null) : (prop.name as string);
  if (obj.type === 'Identifier' && obj.name === 'module' && (key === 'exports' || key === 'export')) return '*';
  if (obj.type === 'Identifier' && obj.name === 'exports') return key;
  if (obj.type === 'MemberExpression' && commonJsExport(obj) === '*') return key;
  return null;
}

function walk(node: AnyNode, fnDepth: number, a: Analysis): void {
  switch (node.type) {
    case 'FunctionDeclaration': case 'FunctionExpression': case 'ArrowFunctionExpression':
      if (node.async) a.hasAsyncFunction = true;
      fnDepth++;
      break;
    case 'AwaitExpression':
      a.firstAwait ??= pos(node);
      if (fnDepth === 0) a.topLevelAwait = true;
      break;
    case 'ForOfStatement':
      if (node.await) {
        a.firstAwait ??= pos(node);
        if (fnDepth === 0) a.topLevelAwait = true;
      }
      break;
    case 'ImportDeclaration': case 'ExportAllDeclaration': case 'ExportNamedDeclaration': {
      const src = node.source as AnyNode | null;
      if (src) a.modules.push({ name: String(src.value), how: 'import', ...pos(node) });
      break;
    }
    case 'ImportExpression': {
      a.dynamicImports.push(node.start);
      const src = node.source as AnyNode;
      if (src.type === 'Literal' && typeof src.value === 'string') a.modules.push({ name: src.value, how: 'dynamic-import', ...pos(node) });
      break;
    }
    case 'CallExpression': {
      const callee = node.callee as AnyNode;
      if (callee.type === 'Identifier' && callee.name === 'require') {
        const arg = (node.arguments as AnyNode[])[0];
        if (arg && arg.type === 'Literal' && typeof arg.value === 'string') a.modules.push({ name: arg.value, how: 'require', ...pos(node) });
        else a.dynamicRequire ??= pos(node);
      }
      break;
    }
    case 'AssignmentExpression': {
      const name = commonJsExport(node.left as AnyNode);
      if (name === '*') {
        const right = node.right as AnyNode;
        if (right.type === 'ObjectExpression') {
          for (const p of right.properties as AnyNode[]) {
            const k = p.key as AnyNode | undefined;
            if (p.type === 'Property' && k) a.exported.push(k.type === 'Identifier' ? (k.name as string) : String(k.value));
          }
        } else a.exported.push('main');
      } else if (name) a.exported.push(name);
      break;
    }
  }
  for (const key in node) {
    if (key === 'loc' || key === 'type') continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const c of v) if (c && typeof c === 'object' && typeof (c as AnyNode).type === 'string') walk(c as AnyNode, fnDepth, a);
    } else if (v && typeof v === 'object' && typeof (v as AnyNode).type === 'string') {
      walk(v as AnyNode, fnDepth, a);
    }
  }
}
