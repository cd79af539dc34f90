// cxJob through the real server: a script adds a background job, the runner runs it with retries
// and backoff, every attempt is an execution, and a job queued before a restart runs after it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../server-helpers.js';

let t: TestServer;
let acct: { id: string; key: string };

beforeAll(async () => {
  t = await startTestServer();
  acct = await t.account('jobs');
});
afterAll(async () => {
  await t.close();
});

async function script(key: string, name: string, code: string, type = 'app'): Promise<string> {
  const r = await t.call('POST', '/api/v1/scripts', key, { name, type, code });
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}
async function run(key: string, id: string, data?: unknown) {
  return (await t.call('POST', `/api/v1/scripts/${id}/run`, key, data)).body;
}
/** Polls the job (as a customer's script would) until it has ended. */
async function settled(key: string, id: string, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const j = await t.call('GET', `/api/v1/jobs/${id}`, key);
    if (j.body.status === 'succeeded' || j.body.status === 'failed') return j.body;
    if (Date.now() > until) throw new Error(`job ${id} still ${j.body.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Fails until its third attempt; counts attempts in cxKV.
const FLAKY = `
const { incr } = require('cxKV');
exports.deliver = async function (data) {
  const n = await incr('attempts:' + data.order);
  console.log('attempt ' + n);
  if (n < 3) throw new Error('gateway unavailable (attempt ' + n + ')');
  return { delivered: data.order, attempt: n };
};`;

describe('cxJob', () => {
  it('runs a job in the background with retries, and get() reports it', async () => {
    const worker = await script(acct.key, 'flaky-worker', FLAKY, 'driver');
    const enqueue = await script(acct.key, 'enqueue', `
      import { add, get } from 'cxJob';
      export async function main(data) {
        const job = await add(data.worker, 'deliver', { order: data.order }, { attempts: 4, delayMs: 20 });
        const seen = await get(job.id);
        return { id: job.id, status: seen.status, missing: await get('job_nope') };
      }`);
    const added = await run(acct.key, enqueue, { worker, order: 'o-1' });
    expect(added).toMatchObject({ ok: true, result: { id: expect.stringMatching(/^job_/), status: expect.stringMatching(/^(queued|running)$/), missing: null } });

    const job = await settled(acct.key, added.result.id);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 3, maxAttempts: 4, fn: 'deliver', data: { order: 'o-1' }, result: { delivered: 'o-1', attempt: 3 } });

    const status = await script(acct.key, 'status', `const job = require('cxJob'); async function main(d) { return job.get(d.id) }`);
    expect(await run(acct.key, status, { id: added.result.id })).toMatchObject({ ok: true, result: { status: 'succeeded', attempts: 3, result: { attempt: 3 } } });

    const runs = (await t.call('GET', `/api/v1/executions?scriptId=${worker}`, acct.key)).body;
    expect(runs.map((e: { trigger: string; ok: boolean; fn: string }) => [e.trigger, e.fn, e.ok])).toEqual([
      ['job', 'deliver', true],
      ['job', 'deliver', false],
      ['job', 'deliver', false],
    ]);
    const first = (await t.call('GET', `/api/v1/executions/${runs[2].id}`, acct.key)).body;
    expect(first).toMatchObject({ error: { message: 'gateway unavailable (attempt 1)' }, logs: [{ message: 'attempt 1' }] });
  });

  it('gives up after the last attempt, keeping the error', async () => {
    const worker = await script(acct.key, 'always-fails', `exports.go = () => { throw new Error('503 upstream down') }`, 'driver');
    const enqueue = await script(acct.key, 'enqueue-2', `const job = require('cxJob'); async function main(d) { return job.add(d.worker, 'go', null, { attempts: 2, delayMs: 10 }) }`);
    const { result } = await run(acct.key, enqueue, { worker });
    expect(await settled(acct.key, result.id)).toMatchObject({ status: 'failed', attempts: 2, result: null, error: { sipCode: 503, reason: 'upstream down' } });
  });

  it('refuses bad input with clear errors, and other accounts\' scripts', async () => {
    const other = await t.account('other');
    const theirs = await script(other.key, 'theirs', `exports.x = () => 'pwned'`, 'driver');
    const mine = await script(acct.key, 'bad-input', `
      const job = require('cxJob');
      async function main(d) {
        const out = [];
        for (const args of d.cases) { try { await job.add(...args); out.push('added') } catch (e) { out.push(e.name + ': ' + e.message) } }
        return out;
      }`);
    const r = await run(acct.key, mine, {
      cases: [
        [theirs, 'x', {}],
        [mine, 'not a name', {}],
        [mine, 'main', {}, { attempts: 0 }],
        [mine, 'main', {}, { retries: 3 }],
        [42, 'main'],
      ],
    });
    expect(r.result).toEqual([
      `JobError: No script '${theirs}' in this account`,
      'JobError: cxJob.add: fn must be the name of a function the script exports (or null for main)',
      'JobError: options.attempts must be an integer from 1 to 10',
      "JobError: cxJob.add: unknown option 'retries' (known: attempts, delayMs, startInMs)",
      'JobError: cxJob.add(scriptId, fn, data, options): scriptId must be a script id (process.env.SCRIPTFORGE_ID is this script)',
    ]);
    // Nor can they read this account's jobs.
    const list = (await t.call('GET', '/api/v1/jobs', acct.key)).body;
    expect(list.length).toBeGreaterThan(0);
    expect((await t.call('GET', `/api/v1/jobs/${list[0].id}`, other.key)).status).toBe(404);
  });
});

describe('cxJob across a restart', () => {
  it('runs a job that was queued when the server stopped', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-jobs-'));
    const first = await startTestServer({ dataDir });
    const a = await first.account('durable');
    const mk = async (name: string, code: string, type: string) => (await first.call('POST', '/api/v1/scripts', a.key, { name, type, code })).body.id as string;
    const worker = await mk('later', `exports.main = (d) => ({ hello: d.name })`, 'driver');
    const enqueue = await mk('enqueue', `const job = require('cxJob'); async function main(d) { return job.add(d.worker, null, { name: 'restart' }, { startInMs: 1500 }) }`, 'app');
    const added = (await first.call('POST', `/api/v1/scripts/${enqueue}/run`, a.key, { worker })).body;
    expect(added).toMatchObject({ ok: true, result: { id: expect.any(String) } });
    await first.close(); // before the job was due

    const second = await startTestServer({ dataDir });
    try {
      const until = Date.now() + 10_000;
      let job;
      do {
        await new Promise((r) => setTimeout(r, 100));
        job = (await second.call('GET', `/api/v1/jobs/${added.result.id}`, a.key)).body;
      } while (job.status !== 'succeeded' && Date.now() < until);
      expect(job).toMatchObject({ status: 'succeeded', attempts: 1, result: { hello: 'restart' } });
    } finally {
      await second.close();
    }
  });
});
