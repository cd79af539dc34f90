/**
 * Request bodies that go to the sandbox as the data argument: checked to be JSON, then kept as
 * text, never parsed into an object and encoded again.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';

export class RawJson {
  constructor(readonly text: string) {}
}

/** In `scope` (an encapsulated plugin), application/json bodies arrive as RawJson (or undefined when empty). */
export function acceptRawJson(scope: FastifyInstance): void {
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      JSON.parse(text);
    } catch (err) {
      return done(new HttpError(400, 'INVALID_JSON', `The body is not valid JSON: ${(err as Error).message}`), undefined);
    }
    done(null, new RawJson(text));
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The body's JSON text, where acceptPlainJson read it. */
    bodyJson?: string;
  }
}

/**
 * In `scope`, application/json bodies are parsed with plain JSON.parse, and their text is kept as
 * `req.bodyJson`: for the routing path, where the body is only read, and handed to the sandbox as
 * the same JSON text, so an own `__proto__` key is inert, and the scan Fastify's default parser
 * makes for one costs more than the parse.
 */
export function acceptPlainJson(scope: FastifyInstance): void {
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      const parsed = JSON.parse(text) as unknown;
      req.bodyJson = text;
      done(null, parsed);
    } catch (err) {
      done(new HttpError(400, 'INVALID_JSON', `The body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });
}

/** The data argument of a request whose body was read by acceptRawJson: JSON text, '' for none. */
export function inputOf(body: unknown): string {
  return body instanceof RawJson ? body.text : '';
}
