// Builds the web IDE (web/) into dist/web with esbuild: index.html, and under assets/ the app
// (with Monaco and its CSS and codicon font), Monaco's workers (editor, TypeScript, JSON), each
// named by its content hash, plus a .gz beside every large file. Nothing is loaded from another
// host. src/server/routes/web.ts serves the result at `/`.
//
//   node scripts/build-web.mjs           build (about 3 s)
//   node scripts/build-web.mjs --check   and type-check web/ meanwhile (tsc -p web/tsconfig.json;
//                                        test/web/types.test.ts runs the same check)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/web');
const ASSETS = path.join(OUT, 'assets');
const started = Date.now();

/** `import text from './file?raw'`: the file's text as a string (the type definitions, examples). */
const raw = {
  name: 'raw',
  setup(build) {
    build.onResolve({ filter: /\?raw$/ }, (a) => ({ path: path.resolve(a.resolveDir, a.path.slice(0, -4)), namespace: 'raw' }));
    build.onLoad({ filter: /.*/, namespace: 'raw' }, (a) => ({ contents: fs.readFileSync(a.path, 'utf8'), loader: 'text', watchFiles: [a.path] }));
  },
};

const common = { bundle: true, minify: true, legalComments: 'none', target: 'es2022', logLevel: 'warning', metafile: true, absWorkingDir: ROOT };
const relOut = (meta, entry) => Object.entries(meta.outputs).find(([, o]) => o.entryPoint === entry)?.[0];

// esbuild does not type-check: tsc does, beside it (web/tsconfig.json: strict, DOM).
const typecheck = !process.argv.includes('--check')
  ? Promise.resolve(0)
  : new Promise((resolve) => {
      const p = spawn(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'web/tsconfig.json')], { stdio: 'inherit' });
      p.on('exit', (code) => resolve(code ?? 1));
    });

fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(ASSETS, { recursive: true });

// The workers first: the app needs their hashed names.
const monacoEsm = 'node_modules/monaco-editor/esm/vs';
const workerEntries = {
  'editor.worker': `${monacoEsm}/editor/editor.worker.js`,
  'ts.worker': `${monacoEsm}/language/typescript/ts.worker.js`,
  'json.worker': `${monacoEsm}/language/json/json.worker.js`,
};
const workers = await esbuild.build({ ...common, entryPoints: workerEntries, format: 'iife', outdir: ASSETS, entryNames: '[name]-[hash]' });
const workerUrls = Object.fromEntries(Object.entries(workerEntries).map(([label, entry]) => [label, '/' + path.relative(OUT, path.join(ROOT, relOut(workers.metafile, entry)))]));

const app = await esbuild.build({
  ...common,
  entryPoints: { app: 'web/src/main.ts' },
  format: 'esm',
  outdir: ASSETS,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.ttf': 'file', '.svg': 'file' },
  plugins: [raw],
  define: { __SF_WORKERS__: JSON.stringify(workerUrls) },
});
const outputs = Object.keys(app.metafile.outputs);
const js = outputs.find((o) => app.metafile.outputs[o].entryPoint === 'web/src/main.ts');
const css = app.metafile.outputs[js].cssBundle;
const url = (o) => '/' + path.relative(OUT, path.join(ROOT, o));

const html = fs
  .readFileSync(path.join(ROOT, 'web/index.html'), 'utf8')
  .replace('%APP_CSS%', url(css))
  .replace('%APP_JS%', url(js));
fs.writeFileSync(path.join(OUT, 'index.html'), html);
fs.copyFileSync(path.join(ROOT, 'web/favicon.svg'), path.join(OUT, 'favicon.svg'));

// Precompressed copies: Monaco and TypeScript are large; the server sends these when it may.
let bytes = 0;
for (const f of fs.readdirSync(ASSETS)) {
  const p = path.join(ASSETS, f);
  const body = fs.readFileSync(p);
  bytes += body.length;
  if (body.length > 1024 && /\.(js|css|ttf|svg)$/.test(f)) fs.writeFileSync(p + '.gz', zlib.gzipSync(body, { level: 6 }));
}

if ((await typecheck) !== 0) {
  console.error('web IDE: type errors in web/ (above)');
  process.exit(1);
}
console.log(`web IDE: dist/web (${(bytes / 1e6).toFixed(1)} MB before gzip) in ${Date.now() - started} ms`);
