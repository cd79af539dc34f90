// Bundles the npm libraries the sandbox offers (PRODUCT.md §5, "Standard modules") into CommonJS
// text that runs inside an isolate: no Node built-ins, no Buffer/process globals. Writes
// dist/modules/libs/<file>.js, manifest.json (name → file, size, hash, packages, deps) and
// THIRD_PARTY_LICENSES.txt. Fails loudly when a library needs something the isolate does not have.
//
//   node scripts/bundle-modules.mjs
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/modules/libs');

/**
 * name: the module name customers write. entry: the source esbuild bundles. smoke: run on the
 * bundle's exports in a bare V8 context (no Node globals) at build time. stub: Node built-ins a
 * library only loads lazily for a feature that cannot work in the sandbox (reading files): they are
 * replaced by a module that throws a clear error when that feature is used. deps: registry modules
 * (REGISTRY_SOURCES) the bundle require()s: kept external, listed in the manifest so that the engine
 * defines them wherever the library is used, and given to the smoke test (their `host` answered by
 * smokeHost(method, args)); any other require() left in a bundle is a build error. inject: files
 * whose exports stand in for globals the isolate lacks, inside this bundle only (esbuild's inject).
 * The smoke test may be async (it is given 10 s).
 */
const ENTRIES = [
  {
    name: 'dayjs',
    entry: "module.exports = require('dayjs');",
    smoke: (d) => d('2024-01-02T03:04:05Z').year() === 2024,
  },
  {
    name: 'dayjs/plugin/utc',
    entry: "module.exports = require('dayjs/plugin/utc');",
    smoke: (p) => typeof p === 'function',
  },
  {
    name: 'dayjs/plugin/timezone',
    entry: "module.exports = require('dayjs/plugin/timezone');",
    smoke: (p) => typeof p === 'function',
  },
  {
    name: 'moment',
    entry: "module.exports = require('moment');",
    smoke: (m) => m.utc('2024-01-02').format('YYYY') === '2024',
  },
  {
    // The browser build: the Node one uses the Buffer global; this one carries its own.
    name: 'csv-parse/sync',
    entry: "export * from 'csv-parse/browser/esm/sync';",
    smoke: (c) => JSON.stringify(c.parse('a,b\n1,2', { columns: true })) === '[{"a":"1","b":"2"}]',
  },
  {
    name: 'smol-toml',
    entry: "export * from 'smol-toml'; export { default } from 'smol-toml';",
    smoke: (t) => t.parse('a = 1').a === 1,
  },
  {
    name: 'fast-toml',
    entry: "module.exports = require('fast-toml');",
    smoke: (t) => t.parse('a = 1').a === 1,
    stub: { fs: 'fast-toml cannot read files in the sandbox: use TOML.parse(text)', util: 'fast-toml cannot read files in the sandbox: use TOML.parse(text)' },
  },
  {
    name: 'card-validator',
    entry: "module.exports = require('card-validator');",
    smoke: (v) => v.number('4111111111111111').isValid === true,
  },
  {
    name: 'crypto',
    entryFile: 'src/modules/libs/crypto.guest.js',
    smoke: (c) => c.createHash('sha256').update('abc').digest('hex') === 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
      && /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(c.randomUUID()),
  },
  {
    // The real axios (its browser build) over the sandbox's fetch: see src/modules/libs/axios.guest.js.
    name: 'axios',
    entryFile: 'src/modules/libs/axios.guest.js',
    inject: ['src/modules/libs/axios.shims.js'],
    deps: ['fetch'],
    // The host side of fetch, as the guest module sees it: echoes the request, 404 for /missing,
    // and the egress refusal for 10.0.0.1.
    smokeHost: async (method, [url, req]) => {
      if (method !== 'fetch') throw new Error(`no fetch.${method}`);
      if (url.includes('//10.0.0.1')) {
        throw Object.assign(new Error('fetch to 10.0.0.1 (private) is not allowed for this account'), { name: 'EgressDeniedError', code: 'EGRESS_DENIED' });
      }
      const status = url.includes('/missing') ? 404 : 200;
      const text = JSON.stringify({ url, method: req.method, headers: Object.fromEntries(req.headers), body: req.body && req.body.text });
      return { status, statusText: status === 200 ? 'OK' : 'Not Found', headers: [['content-type', 'application/json']], text, url, redirected: false };
    },
    smoke: async (axios) => {
      const get = await axios.get('https://api.example.test:8443/v1/x', { params: { n: 1, q: 'a b' }, headers: { 'X-Key': 'k' } });
      const api = axios.create({ baseURL: 'https://u:p@api.example.test/v1/' });
      api.interceptors.request.use((c) => { c.headers['X-Trace'] = 't1'; return c; });
      const post = await api.post('orders', { a: 1 });
      const failed = await Promise.all(['https://api.example.test/missing', 'http://10.0.0.1/']
        .map((u) => axios.get(u).then(() => null, (e) => e)));
      return get.status === 200 && get.data.url === 'https://api.example.test:8443/v1/x?n=1&q=a+b' && get.data.headers['x-key'] === 'k'
        && post.data.url === 'https://api.example.test/v1/orders' && post.data.method === 'POST' && post.data.body === '{"a":1}'
        && post.data.headers.authorization === 'Basic dTpw' && post.data.headers['x-trace'] === 't1'
        && axios.isAxiosError(failed[0]) && failed[0].response.status === 404
        && axios.isAxiosError(failed[1]) && failed[1].message === 'fetch to 10.0.0.1 (private) is not allowed for this account';
    },
  },
];

/**
 * Registry modules a bundle may name in deps: the guest source the engine runs (for the smoke test;
 * the bundle itself only keeps the name). TypeScript files are compiled here by esbuild, so the build
 * does not depend on tsc having run first.
 */
const REGISTRY_SOURCES = {
  fetch: { file: 'src/modules/fetch/guest.ts', exportName: 'fetchGuest' },
};

async function registrySource(name) {
  const r = REGISTRY_SOURCES[name];
  if (!r) throw new Error(`'${name}' is not a registry module this script knows (REGISTRY_SOURCES)`);
  const out = await esbuild.build({ entryPoints: [path.join(ROOT, r.file)], bundle: false, write: false, format: 'esm', logLevel: 'silent' });
  const mod = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
  if (typeof mod[r.exportName] !== 'string') throw new Error(`${r.file} does not export the string ${r.exportName}`);
  return mod[r.exportName];
}

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Built-ins: a stub where the entry allows one, otherwise a build error naming the importer. */
function builtinsPlugin(stub) {
  return {
    name: 'sandbox-builtins',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (!NODE_BUILTINS.has(args.path)) return undefined;
        const bare = args.path.replace(/^node:/, '');
        if (stub && stub[bare]) return { path: bare, namespace: 'sandbox-stub', pluginData: stub[bare] };
        return { errors: [{ text: `'${args.path}' is a Node built-in, which the sandbox does not have (imported by ${path.relative(ROOT, args.importer) || 'the entry'})` }] };
      });
      build.onLoad({ filter: /.*/, namespace: 'sandbox-stub' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(args.pluginData)});`,
        loader: 'js',
      }));
    },
  };
}

function fileName(name) {
  return name.replace(/\//g, '__').replace(/[^A-Za-z0-9_.-]/g, '_') + '.js';
}

/**
 * Loads a bundle the way the engine does, in a context with only the language's own globals. Its
 * registry deps are loaded the same way, in the same context, when it require()s them, their host
 * operations answered by `smokeHost`; any other require() is an error.
 */
function loadBare(name, source, deps = {}, smokeHost) {
  const context = vm.createContext({});
  const cache = new Map();
  const load = (n, src) => {
    const factory = vm.runInContext(`(function (module, exports, require, host) {\n${src}\n})`, context, { filename: `sf:module/${n}` });
    const module = { exports: {} };
    cache.set(n, module);
    const host = (method, args) => {
      if (!smokeHost) throw new Error('no host at build time');
      return smokeHost(method, args);
    };
    factory(module, module.exports, require, host);
    return module.exports;
  };
  const require = (n) => {
    if (cache.has(n)) return cache.get(n).exports;
    if (Object.prototype.hasOwnProperty.call(deps, n)) return load(n, deps[n]);
    throw new Error(`bundle ${name} requires '${n}', which is not in its deps`);
  };
  return load(name, source);
}

/** The module names a bundle require()s with a string literal (esbuild keeps externals that way). */
function requiredNames(source) {
  return [...new Set([...source.matchAll(/\brequire\(\s*(["'`])([^"'`]+)\1\s*\)/g)].map((m) => m[2]))];
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

const packageOf = (input) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m ? m[1] : null;
};

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const manifest = { generatedBy: 'scripts/bundle-modules.mjs', esbuild: esbuild.version, modules: {} };
  const packages = new Map();
  const failures = [];
  for (const e of ENTRIES) {
    let result;
    try {
      result = await esbuild.build({
        ...(e.entryFile
          ? { entryPoints: [path.join(ROOT, e.entryFile)] }
          : { stdin: { contents: e.entry, resolveDir: ROOT, sourcefile: `sf-entry:${e.name}`, loader: 'js' } }),
        bundle: true,
        write: false,
        format: 'cjs',
        platform: 'browser',
        target: 'es2022',
        minify: true,
        keepNames: true, // error classes keep their names (e.constructor.name === 'CsvError')
        legalComments: 'none',
        metafile: true,
        logLevel: 'silent',
        define: { 'process.env.NODE_ENV': '"production"' },
        external: e.deps ?? [],
        inject: (e.inject ?? []).map((f) => path.join(ROOT, f)),
        plugins: [builtinsPlugin(e.stub)],
      });
    } catch (err) {
      failures.push(`${e.name}: ${err.errors ? err.errors.map((x) => x.text).join('; ') : err.message}`);
      continue;
    }
    const source = result.outputFiles[0].text;
    const undeclared = requiredNames(source).filter((n) => !(e.deps ?? []).includes(n));
    if (undeclared.length) {
      failures.push(`${e.name}: the bundle requires ${undeclared.map((n) => `'${n}'`).join(', ')}, not in its deps`);
      continue;
    }
    try {
      const deps = {};
      for (const d of e.deps ?? []) deps[d] = await registrySource(d);
      const exports = loadBare(e.name, source, deps, e.smokeHost);
      if (!(await withTimeout(Promise.resolve(e.smoke(exports)), 10_000, 'its smoke test'))) throw new Error('its smoke test returned false');
    } catch (err) {
      failures.push(`${e.name}: does not work without Node's globals: ${err.message}`);
      continue;
    }
    const used = {};
    for (const input of Object.keys(result.metafile.inputs)) {
      const p = packageOf(input);
      if (!p || used[p]) continue;
      const pkgJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', p, 'package.json'), 'utf8'));
      used[p] = pkgJson.version;
      packages.set(p, { version: pkgJson.version, license: pkgJson.license });
    }
    const file = fileName(e.name);
    fs.writeFileSync(path.join(OUT, file), source);
    manifest.modules[e.name] = {
      file,
      bytes: Buffer.byteLength(source),
      sha256: createHash('sha256').update(source).digest('hex'),
      packages: used,
      ...(e.deps ? { deps: e.deps } : {}),
    };
  }
  if (failures.length) {
    console.error(`bundle-modules: ${failures.length} librar${failures.length === 1 ? 'y' : 'ies'} cannot run in the sandbox:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  fs.writeFileSync(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  let licenses = 'Third-party software bundled into the sandbox modules (dist/modules/libs).\n';
  for (const [p, info] of [...packages].sort()) {
    const dir = path.join(ROOT, 'node_modules', p);
    const lic = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
    licenses += `\n==== ${p}@${info.version} (${info.license ?? 'see below'}) ====\n${lic ? fs.readFileSync(path.join(dir, lic), 'utf8').trim() : '(no license file in the package)'}\n`;
  }
  fs.writeFileSync(path.join(OUT, 'THIRD_PARTY_LICENSES.txt'), licenses);
  const total = Object.values(manifest.modules).reduce((n, m) => n + m.bytes, 0);
  console.log(`bundle-modules: ${Object.keys(manifest.modules).length} modules, ${(total / 1024).toFixed(1)} KiB → ${path.relative(ROOT, OUT)}`);
}

await main();
