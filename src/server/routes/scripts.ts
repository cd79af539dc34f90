/** Scripts with immutable numbered versions, deploy/rollback, and environment variables. */
import type { FastifyInstance } from 'fastify';
import { ExecutionError, type Engine, type Limits } from '../../engine/index.js';
import { checkCode } from '../../executor/index.js';
import type { Script, Store } from '../../store/index.js';
import type { Auth } from '../auth.js';
import { HttpError, notFound } from '../errors.js';

const limits = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(['cpuMs', 'wallMs', 'memoryMb', 'resultBytes', 'logBytes', 'timers'].map((k) => [k, { type: 'number', exclusiveMinimum: 0 }])),
} as const;
const type = { type: 'string', enum: ['script', 'app', 'driver'] } as const;
const action = { type: 'string', pattern: '^(continue|[4-6][0-9]{2} [^\\r\\n]{1,120})$', description: "'continue' or '<SIP code 400-699> <reason>'" } as const;
const routing = {
  type: 'object',
  additionalProperties: false,
  description: 'For Class 4 routing calls: the time box and what a timeout or an error answers (defaults: 2000 ms, "503 Routing Script Failure")',
  properties: { timeoutMs: { type: 'integer', minimum: 1, maximum: 30_000 }, onTimeout: action, onError: action },
} as const;
const isolation = { type: 'string', enum: ['fresh', 'reuse'] } as const;
const idParams = { type: 'object', properties: { id: { type: 'string' } } } as const;
const scriptOut = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, type, isolation, limits: { type: 'object', additionalProperties: true }, routing: { type: 'object', additionalProperties: true },
    version: { type: 'integer' }, deployedVersion: { type: 'integer' }, latestVersion: { type: 'integer' },
    createdAt: { type: 'string' }, updatedAt: { type: 'string' }, code: { type: 'string' },
  },
} as const;

interface ScriptBody {
  name: string;
  type: Script['type'];
  code: string;
  limits?: Partial<Limits>;
  isolation?: Script['isolation'];
  routing?: Script['routing'];
}

export function scriptRoutes(app: FastifyInstance, deps: { store: Store; auth: Auth; engine: Engine; onChange: (scriptId: string) => void }): void {
  const { store, auth, engine } = deps;
  const pre = { preHandler: auth.requireAccount };

  /** Refuses code that would not run (syntax, type, modules) and limits above the operator maxima. */
  function check(code: string | undefined, t: Script['type'], l: Partial<Limits> | undefined, accountId: string): void {
    try {
      if (l) engine.resolveLimits(l);
      if (code !== undefined) checkCode(engine, code, t, accountId);
    } catch (err) {
      if (!(err instanceof ExecutionError)) throw err;
      const e = err.toJSON();
      throw new HttpError(400, e.code, e.message, { ...(e.line !== undefined ? { line: e.line, column: e.column } : {}), field: code !== undefined && e.code !== 'INVALID_REQUEST' ? 'body.code' : 'body.limits' });
    }
  }
  const out = (s: Script, code?: string) => ({ ...s, version: s.deployedVersion, ...(code !== undefined ? { code } : {}) });
  async function mustGet(accountId: string, id: string): Promise<Script> {
    const s = await store.getScript(accountId, id);
    if (!s) throw notFound('script', id);
    return s;
  }

  app.post<{ Body: ScriptBody }>(
    '/api/v1/scripts',
    {
      ...pre,
      schema: {
        tags: ['scripts'],
        summary: 'Create a script (version 1, deployed)',
        body: {
          type: 'object', required: ['name', 'type', 'code'], additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, type, code: { type: 'string', maxLength: 1_000_000 }, limits, isolation, routing },
        },
        response: { 201: scriptOut },
      },
    },
    async (req, reply) => {
      const b = req.body;
      check(b.code, b.type, b.limits, req.accountId);
      const s = await store.createScript(req.accountId, { name: b.name, type: b.type, code: b.code, limits: b.limits ?? {}, isolation: b.isolation ?? 'fresh', routing: b.routing ?? {}, author: req.keyId });
      return reply.code(201).send(out(s));
    },
  );

  app.get('/api/v1/scripts', { ...pre, schema: { tags: ['scripts'], response: { 200: { type: 'array', items: scriptOut } } } }, async (req) =>
    (await store.listScripts(req.accountId)).map((s) => out(s)),
  );

  app.get<{ Params: { id: string } }>('/api/v1/scripts/:id', { ...pre, schema: { tags: ['scripts'], summary: 'A script, with the code of its deployed version', params: idParams, response: { 200: scriptOut } } }, async (req) => {
    const s = await mustGet(req.accountId, req.params.id);
    const v = await store.getVersion(req.accountId, s.id, s.deployedVersion);
    return out(s, v?.code);
  });

  app.put<{ Params: { id: string }; Body: Partial<ScriptBody> & { deploy?: boolean } }>(
    '/api/v1/scripts/:id',
    {
      ...pre,
      schema: {
        tags: ['scripts'],
        summary: 'Change a script; new code makes a new version, deployed unless deploy is false',
        params: idParams,
        body: {
          type: 'object', additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, type, code: { type: 'string', maxLength: 1_000_000 }, limits, isolation, routing, deploy: { type: 'boolean' } },
        },
        response: { 200: scriptOut },
      },
    },
    async (req) => {
      const s = await mustGet(req.accountId, req.params.id);
      const b = req.body;
      const code = b.code ?? (b.type && b.type !== s.type ? (await store.getVersion(req.accountId, s.id, s.deployedVersion))?.code : undefined);
      check(code, b.type ?? s.type, b.limits, req.accountId);
      const updated = (await store.updateScript(req.accountId, s.id, { ...b, author: req.keyId }))!;
      deps.onChange(s.id);
      return out(updated);
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/scripts/:id', { ...pre, schema: { tags: ['scripts'], params: idParams } }, async (req, reply) => {
    if (!(await store.deleteScript(req.accountId, req.params.id))) throw notFound('script', req.params.id);
    deps.onChange(req.params.id);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/api/v1/scripts/:id/versions', { ...pre, schema: { tags: ['scripts'], params: idParams } }, async (req) => {
    const s = await mustGet(req.accountId, req.params.id);
    return (await store.listVersions(req.accountId, s.id)).map((v) => ({ version: v.version, createdAt: v.createdAt, author: v.author, deployed: v.version === s.deployedVersion }));
  });

  app.get<{ Params: { id: string; version: number } }>(
    '/api/v1/scripts/:id/versions/:version',
    { ...pre, schema: { tags: ['scripts'], params: { type: 'object', properties: { id: { type: 'string' }, version: { type: 'integer', minimum: 1 } } } } },
    async (req) => {
      const v = await store.getVersion(req.accountId, req.params.id, req.params.version);
      if (!v) throw notFound('version', `${req.params.id}@${req.params.version}`);
      return { version: v.version, createdAt: v.createdAt, author: v.author, code: v.code };
    },
  );

  app.post<{ Params: { id: string }; Body: { version: number } }>(
    '/api/v1/scripts/:id/deploy',
    {
      ...pre,
      schema: {
        tags: ['scripts'], summary: 'Deploy a version (rollback included)', params: idParams,
        body: { type: 'object', required: ['version'], additionalProperties: false, properties: { version: { type: 'integer', minimum: 1 } } },
        response: { 200: scriptOut },
      },
    },
    async (req) => {
      const s = await mustGet(req.accountId, req.params.id);
      const v = await store.getVersion(req.accountId, s.id, req.body.version);
      if (!v) throw new HttpError(400, 'INVALID_REQUEST', `Script ${s.id} has no version ${req.body.version} (latest is ${s.latestVersion})`, { field: 'body.version' });
      check(v.code, s.type, undefined, req.accountId);
      const d = (await store.deploy(req.accountId, s.id, req.body.version))!;
      deps.onChange(s.id);
      return out(d);
    },
  );

  const envBody = {
    type: 'object',
    additionalProperties: {
      anyOf: [
        { type: 'string' },
        { type: 'object', required: ['value'], additionalProperties: false, properties: { value: { type: 'string' }, secret: { type: 'boolean' } } },
      ],
    },
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  } as const;

  app.put<{ Params: { id: string }; Body: Record<string, string | { value: string; secret?: boolean }> }>(
    '/api/v1/scripts/:id/env',
    { ...pre, schema: { tags: ['scripts'], summary: 'Replace the environment variables; secrets are never returned', params: idParams, body: envBody } },
    async (req) => {
      const s = await mustGet(req.accountId, req.params.id);
      const vars = Object.entries(req.body).map(([name, v]) =>
        typeof v === 'string' ? { name, value: v, secret: false } : { name, value: v.value, secret: v.secret === true },
      );
      await store.setEnv(req.accountId, s.id, vars);
      deps.onChange(s.id);
      return envOut(await store.getEnv(req.accountId, s.id));
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/scripts/:id/env', { ...pre, schema: { tags: ['scripts'], params: idParams } }, async (req) => {
    const s = await mustGet(req.accountId, req.params.id);
    return envOut(await store.getEnv(req.accountId, s.id));
  });
}

function envOut(vars: { name: string; value: string; secret: boolean }[]): Record<string, { value?: string; secret: boolean }> {
  return Object.fromEntries(vars.map((v) => [v.name, v.secret ? { secret: true } : { value: v.value, secret: false }]));
}
