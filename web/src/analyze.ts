/**
 * What the IDE reads from a script's code without running it: main's signature and the JSDoc that
 * types its parameters, and the function names a run may call.
 *
 * The JSDoc that types main's parameters in plain JavaScript, so that `data.routing.` and `ctx.`
 * complete in the editor: the IDE adds it to new scripts and offers it as a quick fix on a main()
 * that has none.
 *
 * @example
 *   addTypeHints('function main(data, ctx) {}').code
 *   // '/**\n * @param {ScriptForge.Data} data\n * @param {ScriptForge.Ctx} ctx\n *\/\nfunction main(data, ctx) {}'
 */
const MAIN = /^([ \t]*)(export\s+default\s+)?(?:export\s+)?(?:async\s+)?function\s*(main\s*)?\(([^)]*)\)/gm;

export interface MainSignature {
  /** 1-based line of the function. */
  line: number;
  indent: string;
  params: string[];
  /** Whether a JSDoc comment already sits right above it. */
  documented: boolean;
}

/** main's declaration (a default-exported function counts), or null. */
export function findMain(code: string): MainSignature | null {
  const m = [...code.matchAll(MAIN)].find((x) => x[2] !== undefined || x[3] !== undefined);
  if (!m || m.index === undefined) return null;
  const before = code.slice(0, m.index);
  const line = before.split('\n').length;
  const params = m[4]
    .split(',')
    .map((p) => p.replace(/=.*$/s, '').replace(/^\s*\.\.\./, '').trim())
    .filter((p) => /^[A-Za-z_$][\w$]*$/.test(p));
  return { line, indent: m[1], params, documented: /\*\/\s*$/.test(before) };
}

/** The JSDoc block for main's parameters: the first is the data, the second the Class 5 call. */
export function hintFor(params: string[], indent = ''): string {
  const types = ['ScriptForge.Data', 'ScriptForge.Ctx'];
  const tags = params.slice(0, 2).map((p, i) => `${indent} * @param {${types[i]}} ${p}`);
  return [`${indent}/**`, ...tags, `${indent} */`].join('\n') + '\n';
}

/** The code with the JSDoc above main, or null when main is missing, has no parameters or is documented. */
export function addTypeHints(code: string): { code: string; line: number; text: string } | null {
  const m = findMain(code);
  if (!m || m.documented || m.params.length === 0) return null;
  const lines = code.split('\n');
  const text = hintFor(m.params, m.indent);
  lines.splice(m.line - 1, 0, text.slice(0, -1));
  return { code: lines.join('\n'), line: m.line, text };
}

/** Callable function names in a script's code: main, and the exports of a driver or ES module. */
export function functionNames(code: string): string[] {
  const names = new Set<string>();
  if (/\bfunction\s+main\s*\(|export\s+default\b|\bmain\s*[:=]/.test(code)) names.add('main');
  for (const m of code.matchAll(/\bexports\.([A-Za-z_$][\w$]*)\s*=/g)) names.add(m[1]);
  for (const m of code.matchAll(/\bexport\s+(?:async\s+)?function\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]);
  for (const m of code.matchAll(/\bexport\s+(?:const|let|var)\s+([A-Za-z_$][\w$]*)/g)) names.add(m[1]);
  const block = /module\.exports?\s*=\s*\{([\s\S]*?)\n\s*\}\s*;?\s*$/m.exec(code);
  if (block) for (const m of block[1].matchAll(/^\s*(?:async\s+)?([A-Za-z_$][\w$]*)\s*(?::|\([^)]*\)\s*\{|,|$)/gm)) names.add(m[1]);
  return [...names].filter((n) => !KEYWORDS.has(n));
}

const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'return', 'catch', 'function', 'const', 'let', 'var', 'await', 'throw', 'else', 'try']);
