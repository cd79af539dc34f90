/**
 * The standard modules (PRODUCT.md §5): real npm libraries (dayjs and its utc/timezone plugins,
 * moment, csv-parse/sync, smol-toml, fast-toml, card-validator, axios) and `crypto` over
 * @noble/hashes, bundled for the isolate at build time by scripts/bundle-modules.mjs into
 * dist/modules/libs. A library may depend on registry modules (`deps`: axios on `fetch`, its
 * transport), which the engine then defines wherever the library is used.
 *
 * Each source is read from disk the first time it is asked for (when an engine starts and sends its
 * registry to its workers), then kept. Inside a worker a library is compiled and defined in a
 * context only when a script names it with a string literal, so a script that uses none pays nothing.
 *
 * @example
 *   import dayjs from 'dayjs';
 *   import utc from 'dayjs/plugin/utc';
 *   import timezone from 'dayjs/plugin/timezone';
 *   dayjs.extend(utc); dayjs.extend(timezone);
 *   dayjs().tz('Europe/London').hour();
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ModuleDefinition } from '../../engine/index.js';

interface Manifest {
  modules: Record<string, { file: string; bytes: number; sha256: string; packages: Record<string, string>; deps?: string[] }>;
}

/** dist/modules/libs: next to this file once compiled; from src (tsx, vitest), the same dist folder. */
function libsDir(): URL {
  const here = new URL('./', import.meta.url);
  if (fs.existsSync(new URL('manifest.json', here))) return here;
  return new URL('../../../dist/modules/libs/', import.meta.url);
}

export const LIBRARY_DIR = libsDir();

function readManifest(): Manifest {
  const at = new URL('manifest.json', LIBRARY_DIR);
  try {
    return JSON.parse(fs.readFileSync(at, 'utf8')) as Manifest;
  } catch (err) {
    throw new Error(
      `The sandbox's library modules are not built (${fileURLToPath(at)}: ${(err as Error).message}). ` +
        'Run: npm run build && node scripts/bundle-modules.mjs',
    );
  }
}

/** What the build bundled: name → files, sizes and the npm packages (with versions) inside. */
export const LIBRARY_MANIFEST: Manifest = readManifest();

function lazyDefinition(name: string, entry: Manifest['modules'][string]): ModuleDefinition {
  let source: string | undefined;
  const def = {} as ModuleDefinition;
  Object.defineProperty(def, 'source', {
    enumerable: true,
    get(): string {
      if (source === undefined) {
        const text = fs.readFileSync(new URL(entry.file, LIBRARY_DIR), 'utf8');
        if (Buffer.byteLength(text) !== entry.bytes) {
          throw new Error(`The bundle of '${name}' (${entry.file}) does not match manifest.json: rebuild with node scripts/bundle-modules.mjs`);
        }
        source = text;
      }
      return source;
    },
  });
  if (entry.deps?.length) def.deps = [...entry.deps];
  return Object.freeze(def);
}

export const LIBRARY_MODULES: Record<string, ModuleDefinition> = Object.freeze(
  Object.fromEntries(Object.entries(LIBRARY_MANIFEST.modules).map(([name, e]) => [name, lazyDefinition(name, e)])),
);
