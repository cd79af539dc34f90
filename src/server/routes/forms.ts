/**
 * Forms (PRODUCT.md §6.3): POST /api/v1/forms/{scriptId}. The body (URL-encoded, multipart or JSON)
 * becomes `data` (see src/forms), the deployed version's `main(data)` runs, and the answer is the run
 * API's envelope, or a 303 when the result is `{redirect}`. Status codes are in STATUS below (and in
 * the OpenAPI description).
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Executor } from '../../executor/index.js';
import { busboyLimits, DEFAULT_FORM_LIMITS, FormBodyError, jsonFormToJson, locationOf, multipartToJson, redirectProblem, urlEncodedToJson, watchMultipartEnd } from '../../forms/index.js';
import type { Auth } from '../auth.js';
import { HttpError, notFound } from '../errors.js';
import { envelope } from './run.js';

/** A parsed form body: the data argument as JSON text. */
class FormInput {
  constructor(readonly json: string) {}
}

const STATUS = `Status codes:
- 200: the script ran; the body is the envelope {ok: true, result, executionId, logs, cpuMs, wallMs}.
- 303: the result is {redirect: url} with an http(s) URL or a path starting with '/'; Location is that URL, the body is the envelope.
- 422: the submission was not processed: the script threw (its message is in error.message), hit a limit, or returned an invalid redirect (error.code FORM_REDIRECT_INVALID). The body is the envelope with ok: false; a portal shows the error or lets the user retry.
- 503: the engine is overloaded (error.code OVERLOADED); retry after the Retry-After seconds.
- 400 (INVALID_FORM), 413 (BODY_TOO_LARGE), 415 (UNSUPPORTED_MEDIA_TYPE): the body cannot be read as a form; nothing ran.
- 404: no script with this id in this account.`;

const LIMITS_TEXT = `Limits: URL-encoded and JSON bodies up to the server's body limit; multipart up to ${DEFAULT_FORM_LIMITS.files} files of ${DEFAULT_FORM_LIMITS.fileBytes / 1048576} MiB each, ${DEFAULT_FORM_LIMITS.fields} fields of ${DEFAULT_FORM_LIMITS.fieldBytes / 1024} KiB each, ${DEFAULT_FORM_LIMITS.totalBytes / 1048576} MiB in all.`;

const toHttp = (err: unknown) => (err instanceof FormBodyError ? new HttpError(err.statusCode, err.code, err.message) : err);

export function formRoutes(app: FastifyInstance, deps: { auth: Auth; executor: Executor }): void {
  // Encapsulated: these body parsers apply to this route only.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    await scope.register(multipart, busboyLimits(DEFAULT_FORM_LIMITS));
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, new FormInput(urlEncodedToJson(String(body))));
    });
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, new FormInput(jsonFormToJson(String(body))));
      } catch (err) {
        done(toHttp(err) as Error, undefined);
      }
    });
    scope.addContentTypeParser('*', (req, _payload, done) => {
      done(new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `A form body is application/x-www-form-urlencoded, multipart/form-data or application/json, not ${req.headers['content-type'] ? String(req.headers['content-type']) : 'a body without a Content-Type'}`), undefined);
    });

    const handler = async (req: FastifyRequest<{ Params: { scriptId: string } }>, reply: FastifyReply) => {
      let input = '{}';
      if (req.isMultipart()) {
        try {
          const ended = watchMultipartEnd(req.raw, req.headers['content-type']);
          input = await multipartToJson(req.parts(), ended, DEFAULT_FORM_LIMITS);
        } catch (err) {
          throw toHttp(err);
        }
      } else if (req.body instanceof FormInput) {
        input = req.body.json;
      }
      const check = (result: unknown) => {
        const problem = hasRedirect(result) ? redirectProblem(result.redirect) : null;
        if (problem === null) return null;
        const message = `The result's redirect must be an http(s) URL or a path starting with '/': ${problem}`;
        return { name: 'FormResultError', code: 'FORM_REDIRECT_INVALID' as const, message };
      };
      const o = await deps.executor.run({ accountId: req.accountId, scriptId: req.params.scriptId, input, trigger: 'form', check });
      if (!o.found) throw notFound('script', req.params.scriptId);
      if (!o.ok) {
        if (o.error?.code === 'OVERLOADED') return reply.code(503).header('retry-after', '1').send(envelope(o));
        return reply.code(422).send(envelope(o));
      }
      const result: unknown = JSON.parse(o.resultJson ?? 'null');
      if (hasRedirect(result)) return reply.code(303).header('location', locationOf(result.redirect as string)).send(envelope(o));
      return reply.code(200).send(envelope(o));
    };

    scope.post<{ Params: { scriptId: string } }>(
      '/api/v1/forms/:scriptId',
      {
        onRequest: deps.auth.requireAccount,
        schema: {
          tags: ['forms'],
          summary: "Submit a form to a script's main(data): 200 envelope, 303 for {redirect}, 422 when the script fails",
          description: `The form's key/value pairs become data: repeated keys become arrays, uploaded files are described as {filename, contentType, size} (not inlined; an empty file input is null). ${LIMITS_TEXT}\n\n${STATUS}`,
          consumes: ['application/x-www-form-urlencoded', 'multipart/form-data', 'application/json'],
          params: { type: 'object', properties: { scriptId: { type: 'string' } } },
        },
      },
      handler,
    );
  });
}

function hasRedirect(result: unknown): result is { redirect: unknown } {
  return result !== null && typeof result === 'object' && !Array.isArray(result) && Object.prototype.hasOwnProperty.call(result, 'redirect');
}
