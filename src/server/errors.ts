/** Errors the API answers with: a status, a stable code, a message naming the problem. */
import type { FastifyError, FastifyInstance } from 'fastify';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = (what: string, id: string) => new HttpError(404, 'NOT_FOUND', `No ${what} with id '${id}'`);
export const badRequest = (message: string, field?: string) => new HttpError(400, 'INVALID_REQUEST', message, field ? { field } : {});

/** Every error becomes `{error: {code, message, ...}}`; bad input is a 4xx that names the field. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    if (err instanceof HttpError) {
      return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message, ...err.extra } });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const v = fe.validation[0];
      const base = `${fe.validationContext ?? 'body'}${v?.instancePath ?? ''}`.replace(/\//g, '.');
      const missing = (v?.params as { missingProperty?: string } | undefined)?.missingProperty;
      const extra = (v?.params as { additionalProperty?: string } | undefined)?.additionalProperty;
      const field = missing ? `${base}.${missing}` : extra ? `${base}.${extra}` : base;
      const message = missing ? `${field} is required` : extra ? `${field} is not a known field` : `${field} ${v?.message ?? 'is invalid'}`;
      return reply.code(400).send({ error: { code: 'INVALID_REQUEST', message, field } });
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const code = fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'BODY_TOO_LARGE' : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_REQUEST';
      return reply.code(fe.statusCode).send({ error: { code, message: fe.message } });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'Internal error' } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: { code: 'NOT_FOUND', message: `No route ${req.method} ${req.url.split('?')[0]}` } });
  });
}
