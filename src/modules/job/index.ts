/**
 * cxJob: background runs of a script's function, with retries. The job is stored before add()
 * returns (it survives a restart); src/schedule/jobs.ts runs it and records each attempt as an
 * execution with trigger 'job'.
 *
 * Options: `attempts` (runs at most, default 3), `delayMs` (the wait before a retry, doubled each
 * time: 1000 → 1 s, 2 s, 4 s...; default 1000), `startInMs` (the wait before the first run, default 0).
 *
 * @example
 *   const job = require('cxJob');
 *   const { id } = await job.add(process.env.SCRIPTFORGE_ID, 'notify', { to: data.email }, { attempts: 5, delayMs: 2000 });
 *   // later, from anywhere in the account
 *   const { status, result, attempts } = await job.get(id);
 */
import { newId, type Job, type Store } from '../../store/index.js';
import { ModuleError, type ModuleHost } from '../host.js';

export const JOB_LIMITS = {
  activePerAccount: 1000,
  dataBytes: 256 * 1024,
  maxAttempts: 10,
  maxDelayMs: 60 * 60 * 1000,
  maxStartInMs: 7 * 24 * 60 * 60 * 1000,
};

export const jobGuest = `
exports.add = (scriptId, fn, data, options) => host('add', [
  scriptId,
  typeof fn === 'function' ? fn.name : fn === undefined ? null : fn,
  data === undefined ? null : data,
  options === undefined ? {} : options,
]);
exports.get = (id) => host('get', [id]);
`;

const jobError = (m: string) => new ModuleError('JobError', m);

function integer(v: unknown, name: string, min: number, max: number, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw jobError(`options.${name} must be an integer from ${min} to ${max}`);
  return v;
}

/** What the script sees of a job. */
function view(j: Job) {
  return {
    id: j.id,
    scriptId: j.scriptId,
    fn: j.fn,
    status: j.status,
    attempts: j.attempts,
    maxAttempts: j.maxAttempts,
    result: j.resultJson === null ? null : (JSON.parse(j.resultJson) as unknown),
    error: j.error ? { name: j.error.name, message: j.error.message, code: j.error.code } : null,
    executionId: j.lastExecutionId,
    createdAt: j.createdAt,
    updatedAt: j.updatedAt,
  };
}

export function jobHost(o: { store: Store; accountId: string; now: () => number; wake: () => void }): ModuleHost {
  return {
    async add([scriptId, fn, data, options]) {
      if (typeof scriptId !== 'string' || scriptId === '') throw jobError('cxJob.add(scriptId, fn, data, options): scriptId must be a script id (process.env.SCRIPTFORGE_ID is this script)');
      const name = fn === null ? 'main' : fn;
      if (typeof name !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(name)) throw jobError('cxJob.add: fn must be the name of a function the script exports (or null for main)');
      const opts = (options ?? {}) as Record<string, unknown>;
      if (typeof opts !== 'object' || Array.isArray(opts)) throw jobError('cxJob.add: options must be an object {attempts, delayMs, startInMs}');
      for (const k of Object.keys(opts)) {
        if (!['attempts', 'delayMs', 'startInMs'].includes(k)) throw jobError(`cxJob.add: unknown option '${k}' (known: attempts, delayMs, startInMs)`);
      }
      const maxAttempts = integer(opts.attempts, 'attempts', 1, JOB_LIMITS.maxAttempts, 3);
      const backoffMs = integer(opts.delayMs, 'delayMs', 0, JOB_LIMITS.maxDelayMs, 1000);
      const startInMs = integer(opts.startInMs, 'startInMs', 0, JOB_LIMITS.maxStartInMs, 0);
      const dataJson = JSON.stringify(data ?? null);
      if (Buffer.byteLength(dataJson) > JOB_LIMITS.dataBytes) throw new ModuleError('QuotaExceededError', `The job's data is larger than ${JOB_LIMITS.dataBytes} bytes`);
      if (!(await o.store.getScript(o.accountId, scriptId))) throw jobError(`No script '${scriptId}' in this account`);
      if ((await o.store.jobs.countActive(o.accountId)) >= JOB_LIMITS.activePerAccount) {
        throw new ModuleError('QuotaExceededError', `This account has ${JOB_LIMITS.activePerAccount} jobs queued or running: wait for some to finish`);
      }
      const job = await o.store.jobs.add({ id: newId('job'), accountId: o.accountId, scriptId, fn: name, dataJson, maxAttempts, backoffMs, runAt: o.now() + startInMs });
      o.wake();
      return { id: job.id };
    },
    async get([id]) {
      if (typeof id !== 'string') throw jobError('cxJob.get(id): id must be the string add() returned');
      const j = await o.store.jobs.get(o.accountId, id);
      return j ? view(j) : null;
    },
  };
}
