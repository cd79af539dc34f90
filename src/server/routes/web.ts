/**
 * The web IDE (PRODUCT.md §8) at `/`: the files scripts/build-web.mjs writes to dist/web. The page
 * and the favicon, and under /assets/ files named by their content hash (cached for good), each
 * sent gzipped when the browser takes it and a .gz was built. Only names that exist in the folder
 * are served (no path ever reaches the file system from the URL). The IDE is a client of the public
 * API like any other: it adds no endpoint. Hidden from the OpenAPI document.
 *
 * @example
 *   await app.register(import('./routes/web.js')); // dist/web, or { dir } to serve another build
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** dist/web, from src/server/routes (tsx, vitest) and from dist/server/routes alike. */
export const WEB_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
};

/**
 * Everything from this server and nothing else: the page cannot load a script, a font or a worker
 * from another host, nor send data to one. Monaco sets styles inline.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function notFound(reply: FastifyReply): FastifyReply {
  reply.callNotFound();
  return reply;
}

export interface WebOptions {
  /** The built IDE (default dist/web). */
  dir?: string;
}

export default async function webRoutes(app: FastifyInstance, opts: WebOptions): Promise<void> {
  const dir = opts.dir ?? WEB_DIR;
  const assets = path.join(dir, 'assets');
  const hide = { schema: { hide: true } };

  /** Names in the folder, re-read when a name is not there (a rebuild while the server runs). */
  let known = new Set<string>();
  const list = () => (known = new Set(fs.existsSync(assets) ? fs.readdirSync(assets) : []));
  list();

  async function send(req: FastifyRequest, reply: FastifyReply, file: string, cache: string): Promise<FastifyReply> {
    const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && fs.existsSync(`${file}.gz`);
    const served = gz ? `${file}.gz` : file;
    const stat = await fs.promises.stat(served);
    reply
      .header('content-type', TYPES[path.extname(file)] ?? 'application/octet-stream')
      .header('content-length', stat.size)
      .header('cache-control', cache)
      .header('vary', 'accept-encoding')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', CSP)
      .header('referrer-policy', 'no-referrer');
    if (gz) reply.header('content-encoding', 'gzip');
    return reply.send(fs.createReadStream(served));
  }

  app.get('/', hide, async (req, reply) => {
    const index = path.join(dir, 'index.html');
    if (!fs.existsSync(index)) {
      return reply
        .code(503)
        .type('text/html; charset=utf-8')
        .send('<!doctype html><title>ScriptForge</title><p>The web IDE is not built: run <code>npm run build</code> (scripts/build-web.mjs writes dist/web). The API is at <a href="/docs">/docs</a>.</p>');
    }
    list();
    return send(req, reply, index, 'no-cache');
  });

  app.get('/favicon.svg', hide, async (req, reply) => {
    const f = path.join(dir, 'favicon.svg');
    if (!fs.existsSync(f)) return notFound(reply);
    return send(req, reply, f, 'public, max-age=86400');
  });

  app.get<{ Params: { '*': string } }>('/assets/*', hide, async (req, reply) => {
    const name = req.params['*'];
    if (name.endsWith('.gz') || (!known.has(name) && !list().has(name))) return notFound(reply);
    return send(req, reply, path.join(assets, name), 'public, max-age=31536000, immutable');
  });
}
