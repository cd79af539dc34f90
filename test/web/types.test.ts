// ScriptForge's type definitions (web/types/scriptforge.d.ts), as the editor's TypeScript worker
// uses them: what autocompletes after `data.routing.`, `ctx.` and `require('cxKV').`, that the
// customer examples type-check with them, and that every module the sandbox offers is declared.
// Also: the IDE's own source type-checks (the web build does not).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { MODULES } from '../../src/modules/index.js';
import { addTypeHints } from '../../web/src/analyze.js';

const ROOT = new URL('../../', import.meta.url);
const DTS = fs.readFileSync(new URL('web/types/scriptforge.d.ts', ROOT), 'utf8');
const example = (f: string) => fs.readFileSync(new URL(`examples/${f}`, ROOT), 'utf8');

/** A language service over the definitions and one JavaScript file, with the editor's options (plus checkJs). */
function service(code: string) {
  const files: Record<string, string> = { '/scriptforge.d.ts': DTS, '/main.js': code };
  const options: ts.CompilerOptions = { allowJs: true, checkJs: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2023.d.ts'], types: [] };
  const read = (f: string) => files[f] ?? (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined);
  return ts.createLanguageService({
    getScriptFileNames: () => Object.keys(files),
    getScriptVersion: () => '1',
    getScriptSnapshot: (f) => {
      const t = read(f);
      return t === undefined ? undefined : ts.ScriptSnapshot.fromString(t);
    },
    getCurrentDirectory: () => '/',
    getCompilationSettings: () => options,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (f) => read(f) !== undefined,
    readFile: read,
  });
}

function completions(code: string, after: string): string[] {
  const at = code.indexOf(after);
  expect(at, after).toBeGreaterThanOrEqual(0);
  const c = service(code).getCompletionsAtPosition('/main.js', at + after.length, {});
  return (c?.entries ?? []).map((e) => e.name);
}

function diagnostics(code: string): string[] {
  const ls = service(code);
  return [...ls.getSyntacticDiagnostics('/main.js'), ...ls.getSemanticDiagnostics('/main.js')].map((d) => `${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('ScriptForge type definitions', () => {
  it('compile cleanly on their own (strict)', () => {
    const host = ts.createCompilerHost({});
    const original = host.getSourceFile;
    host.getSourceFile = (f, v) => (f === '/scriptforge.d.ts' ? ts.createSourceFile(f, DTS, v) : original(f, v));
    const program = ts.createProgram(['/scriptforge.d.ts'], { strict: true, noEmit: true, lib: ['lib.es2023.d.ts'], types: [] }, host);
    expect(ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '))).toEqual([]);
  });

  it('complete data.routing., ctx. and require(\'cxKV\'). in a main with the IDE’s JSDoc', () => {
    const code = addTypeHints('async function main(data, ctx) {\n  data.routing.;\n  data.routing.egress_routing[0].;\n  ctx.;\n  require(\'cxKV\').;\n}\n')!.code;
    expect(completions(code, 'data.routing.')).toEqual(expect.arrayContaining(['cli', 'dest_number', 'egress_routing', 'headers', 'remove_headers', 'account_id']));
    expect(completions(code, 'egress_routing[0].')).toEqual(expect.arrayContaining(['gw', 'headers', 'remove_headers', 'carrier']));
    expect(completions(code, 'ctx.')).toEqual(expect.arrayContaining(['answer', 'hangup', 'play', 'tts', 'ivr', 'waitFor', 'bridge', 'record', 'get', 'set', 'header', 'log', 'sleep', 'transfer', 'reject', 'on']));
    expect(completions(code, "require('cxKV').")).toEqual(expect.arrayContaining(['kv', 'ko', 'incr', 'keys', 'usage']));
    const docs = service(code).getCompletionEntryDetails('/main.js', code.indexOf('ctx.;') + 4, 'ivr', {}, undefined, undefined, undefined);
    expect(ts.displayPartsToString(docs?.documentation)).toMatch(/collect DTMF/);
  });

  it('offer every module the sandbox has in require(\'…\'), and declare each', () => {
    const offered = completions("const m = require('');", "require('");
    const declared = [...DTS.matchAll(/^declare module '([^']+)'/gm)].map((m) => m[1]);
    for (const name of Object.keys(MODULES)) {
      expect(declared, `${name} is a sandbox module`).toContain(name);
      expect(offered).toContain(name);
    }
  });

  it('type-check the customer examples unchanged but for the JSDoc (checkJs)', () => {
    for (const f of ['c4-strip-prefix.js', 'c4-add-headers.js', 'c4-dnc-userspace.js', 'c4-fraud-velocity.js', 'c4-business-hours.js', 'c5-menu.js', 'c5-pin.js', 'did-driver.js', 'form-contact.js']) {
      const code = addTypeHints(example(f))?.code ?? example(f);
      expect(diagnostics(code), f).toEqual([]);
    }
    // and catch a misuse
    expect(diagnostics(addTypeHints('async function main(data, ctx) { await ctx.ivr(5); return data.routing.cli.toFixed() }')!.code).join('\n')).toMatch(/number.*not assignable to.*string|toFixed/);
  });
});

describe('the IDE source', () => {
  it('type-checks (tsc -p web/tsconfig.json: strict, DOM)', () => {
    execFileSync(process.execPath, [new URL('node_modules/typescript/bin/tsc', ROOT).pathname, '-p', new URL('web/tsconfig.json', ROOT).pathname], { stdio: 'pipe' });
  }, 60_000);
});
