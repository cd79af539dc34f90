// Every ctx operation of PRODUCT.md §6.2 and every extension, through the real engine and the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import { speechMs } from '../../src/voice/index.js';
import { startEngine } from '../helpers.js';
import { PROMPT_MS, call, events, messages, op, ops } from './helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = await startEngine();
});
afterAll(() => engine.close());

/** Within a few ms: simulated time also runs while the script itself runs. */
const about = (v: unknown, expected: number) => expect(Math.abs((v as number) - expected)).toBeLessThanOrEqual(25);
const took = (e: { t: number; end?: unknown }) => (e.end as number) - e.t;

describe('answer, hangup, reject', () => {
  it('answer() answers the call; a second answer changes nothing; main returning hangs up', async () => {
    const r = await call(engine, 'async function main(data, ctx) { await ctx.answer(); await ctx.answer(); return "done" }');
    expect(r.ok).toBe(true);
    expect(ops(r.timeline, 'answer')).toHaveLength(2);
    expect(op(r.timeline, 'answer')).toMatchObject({ result: null });
    expect(r.sim.seen.answeredAt).not.toBeNull();
    expect(r.sim.seen.hungUpBy).toBe('us');
    expect(events(r.timeline, 'hangup')).toEqual([expect.objectContaining({ by: 'platform', reason: 'main() returned' })]);
  });

  it('hangup() ends the call from the script', async () => {
    const r = await call(engine, 'async function main(data, ctx) { await ctx.answer(); await ctx.hangup(); ctx.log("after") }');
    expect(r.ok).toBe(true);
    expect(op(r.timeline, 'hangup')).toMatchObject({ result: null });
    expect(events(r.timeline, 'hangup')).toEqual([expect.objectContaining({ by: 'script', reason: 'ctx.hangup()' })]);
    expect(r.sim.seen.hungUpBy).toBe('us');
  });

  it('reject(sipCode, reason) refuses the call before answer, and only then', async () => {
    const r = await call(engine, 'async function main(data, ctx) { await ctx.reject(486) }');
    expect(r.ok).toBe(true);
    expect(r.sim.seen.rejected).toEqual({ sipCode: 486, reason: 'Busy Here' });
    expect(r.sim.seen.answeredAt).toBeNull();
    expect(events(r.timeline, 'hangup')[0]).toMatchObject({ by: 'script', reason: 'ctx.reject(486)' });

    const custom = await call(engine, "async function main(data, ctx) { await ctx.reject(603, 'Go away') }");
    expect(custom.sim.seen.rejected).toEqual({ sipCode: 603, reason: 'Go away' });

    const late = await call(engine, 'async function main(data, ctx) {\n  await ctx.answer();\n  await ctx.reject(486);\n}');
    expect(late).toMatchObject({ ok: false, error: { name: 'CallStateError', line: 3 } });
    expect(late.error!.message).toContain('ctx.reject() is only possible before the call is answered');
  });

  it('hangup() before answer refuses the call (480)', async () => {
    const r = await call(engine, 'async function main(data, ctx) { await ctx.hangup() }');
    expect(r.ok).toBe(true);
    expect(r.sim.seen.rejected).toEqual({ sipCode: 480, reason: 'Temporarily Unavailable' });
  });

  it('a script that does not compile never answers: the call is refused with 500', async () => {
    const r = await call(engine, 'async function main(data, ctx) {\n  await ctx.answer(;\n}');
    expect(r).toMatchObject({ ok: false, error: { code: 'SYNTAX_ERROR', line: 2 } });
    expect(r.sim.seen.rejected).toEqual({ sipCode: 500, reason: 'Server Internal Error' });
    expect(r.timeline).toEqual([expect.objectContaining({ event: 'hangup', by: 'platform' })]);
  });

  it('a script that never answers leaves the call refused (480), not hanging', async () => {
    const r = await call(engine, 'async function main(data, ctx) { ctx.log("no answer") }');
    expect(r.ok).toBe(true);
    expect(r.sim.seen.rejected).toEqual({ sipCode: 480, reason: 'Temporarily Unavailable' });
  });
});

describe('play, tts, echo', () => {
  it('play(file) lasts as long as the WAV and resolves with {ms}', async () => {
    const r = await call(engine, "async function main(data, ctx) { await ctx.answer(); const p = await ctx.play('user/greeting.wav'); return p.ms }");
    expect(r.ok).toBe(true);
    const e = op(r.timeline, 'play');
    expect(e).toMatchObject({ file: 'user/greeting.wav', result: { ms: PROMPT_MS['user/greeting.wav'] } });
    about(took(e), 2500);
  });

  it('play() of a missing file fails with AudioNotFoundError at the customer line', async () => {
    const r = await call(engine, "async function main(data, ctx) {\n  await ctx.answer();\n  await ctx.play('user/nope.wav');\n}");
    expect(r).toMatchObject({ ok: false, error: { name: 'AudioNotFoundError', message: "Audio file 'user/nope.wav' not found (upload it first)", line: 3 } });
    expect(op(r.timeline, 'play')).toMatchObject({ error: { name: 'AudioNotFoundError' } });
    expect(events(r.timeline, 'hangup')[0]).toMatchObject({ by: 'platform' });
    expect(r.sim.seen.hungUpBy).toBe('us');
  });

  it('play() refuses a name outside ivr/ and user/, and playing before answer', async () => {
    const bad = await call(engine, "async function main(data, ctx) { await ctx.answer(); await ctx.play('../etc/passwd') }");
    expect(bad).toMatchObject({ ok: false, error: { name: 'TypeError' } });
    expect(bad.error!.message).toContain("use 'ivr/NAME.wav' for a stock prompt or 'user/NAME' for an upload");
    const early = await call(engine, "async function main(data, ctx) { await ctx.play('ivr/welcome.wav') }");
    expect(early).toMatchObject({ ok: false, error: { name: 'CallStateError', message: 'ctx.play() needs an answered call: call `await ctx.answer()` first' } });
  });

  it('tts(text) takes as long as saying it at 150 words a minute', async () => {
    const text = 'Hello there, caller. Your balance is twelve pounds.';
    const r = await call(engine, `async function main(data, ctx) { await ctx.answer(); return ctx.tts(${JSON.stringify(text)}) }`);
    expect(r.ok).toBe(true);
    const e = op(r.timeline, 'tts');
    expect(e).toMatchObject({ text, result: { ms: speechMs(text) } });
    expect(speechMs(text)).toBe(8 * 400 + 2 * 300 + 150);
    about(took(e), speechMs(text));
    const slow = await call(engine, "async function main(data, ctx) { await ctx.answer(); return ctx.tts('one two three', { rate: 100 }) }");
    expect(op(slow.timeline, 'tts')).toMatchObject({ rate: 100, result: { ms: 1800 } });
  });

  it('echo() runs until the caller hangs up, then resolves', async () => {
    const r = await call(engine, 'async function main(data, ctx) { await ctx.answer(); await ctx.echo(200); ctx.log("echo over") }', { hangupAfterMs: 5000 });
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual(['echo over']);
    const e = op(r.timeline, 'echo');
    expect(e).toMatchObject({ delayMs: 200, result: null });
    about(e.end, events(r.timeline, 'hangup')[0].t);
    expect(events(r.timeline, 'hangup')[0]).toMatchObject({ by: 'caller' });
  });
});

describe('ivr', () => {
  const menu = (opts = "{ tries: 2, invalid_file: 'ivr/invalid.wav' }", max = 1) =>
    `async function main(data, ctx) { await ctx.answer(); return ctx.ivr('ivr/menu.wav', 5, 1, ${max}, '#', ${opts}) }`;

  it('collects a digit pressed during the prompt (barge-in cuts the prompt)', async () => {
    const r = await call(engine, menu(), { dtmf: '2@1500' });
    expect(r.ok).toBe(true);
    const e = op(r.timeline, 'ivr');
    expect(e).toMatchObject({ file: 'ivr/menu.wav', timeoutSec: 5, min: 1, max: 1, terminators: '#', tries: 2, invalid_file: 'ivr/invalid.wav', result: { status: 'success', value: '2' } });
    const prompt = events(r.timeline, 'prompt')[0];
    expect(prompt).toMatchObject({ file: 'ivr/menu.wav', bargeIn: true });
    about(prompt.ms, 1500);
    about(took(e), 1500);
  });

  it('takes digits until a terminator, which is not part of the value', async () => {
    const r = await call(engine, menu('{}', 8), { dtmf: '42#@4500' });
    expect(op(r.timeline, 'ivr').result).toEqual({ status: 'success', value: '42' });
  });

  it('times out, plays invalid_file and tries again; then reports timeout', async () => {
    const r = await call(engine, menu());
    expect(op(r.timeline, 'ivr').result).toEqual({ status: 'timeout', value: '' });
    expect(events(r.timeline, 'prompt').map((p) => p.file)).toEqual(['ivr/menu.wav', 'ivr/invalid.wav', 'ivr/menu.wav']);
    // menu 4 s + 5 s timeout, invalid 1.5 s, menu 4 s + 5 s timeout
    about(took(op(r.timeline, 'ivr')), 4000 + 5000 + 1500 + 4000 + 5000);
  });

  it('a second try can succeed', async () => {
    // first try: nothing by 9 s; invalid.wav ends at 10.5 s; the menu plays again: 1 at 11 s
    const r = await call(engine, menu(), { dtmf: '1@11000' });
    expect(op(r.timeline, 'ivr').result).toEqual({ status: 'success', value: '1' });
  });

  it('reports invalid for too few digits or digits that do not match regexp', async () => {
    const few = await call(engine, "async function main(data, ctx) { await ctx.answer(); return ctx.ivr('ivr/enter-pin.wav', 3, 4, 4, '#') }", { dtmf: '12#@500' });
    expect(op(few.timeline, 'ivr').result).toEqual({ status: 'invalid', value: '12' });
    const re = await call(engine, "async function main(data, ctx) { await ctx.answer(); return ctx.ivr('ivr/enter-pin.wav', 3, 4, 4, '#', { regexp: /^[1-5]+$/ }) }", { dtmf: '1296@500' });
    expect(op(re.timeline, 'ivr')).toMatchObject({ regexp: '/^[1-5]+$/', result: { status: 'invalid', value: '1296' } });
    const ok = await call(engine, "async function main(data, ctx) { await ctx.answer(); return ctx.ivr('ivr/enter-pin.wav', 3, 4, 4, '#', { regexp: '^[1-5]+$' }) }", { dtmf: '1234@500' });
    expect(op(ok.timeline, 'ivr').result).toEqual({ status: 'success', value: '1234' });
  });

  it('a catastrophic regexp cannot hang the host: it counts as invalid', async () => {
    const r = await call(engine, "async function main(data, ctx) { await ctx.answer(); return ctx.ivr('ivr/enter-pin.wav', 3, 1, 40, '', { regexp: /^(\\d+)+$/ }) }",
      { dtmf: `${'1'.repeat(34)}*@100` });
    expect(op(r.timeline, 'ivr').result).toMatchObject({ status: 'invalid' });
    expect(events(r.timeline, 'regexp-timeout')).toHaveLength(1);
  });

  it("reports 'hangup' when the caller hangs up during it", async () => {
    const r = await call(engine, menu('{}', 4), { dtmf: '1@500', hangupAfterMs: 1000 });
    expect(r.ok).toBe(true);
    expect(op(r.timeline, 'ivr').result).toEqual({ status: 'hangup', value: '1' });
  });

  it('transfers on failure with transfer_on_failure', async () => {
    const r = await call(engine, menu("{ transfer_on_failure: '2000' }"));
    expect(op(r.timeline, 'ivr').result).toEqual({ status: 'timeout', value: '' });
    expect(events(r.timeline, 'hangup')[0]).toMatchObject({ by: 'transfer', reason: 'ctx.ivr() failed: transferred to 2000' });
  });

  it('refuses bad arguments with a clear error', async () => {
    const r = await call(engine, "async function main(data, ctx) {\n  await ctx.answer();\n  await ctx.ivr('ivr/menu.wav', 5, 3, 2);\n}");
    expect(r).toMatchObject({ ok: false, error: { name: 'RangeError', line: 3 } });
    expect(r.error!.message).toContain('max must be between 3 and 128, not 2');
  });
});

describe('waitFor', () => {
  it('resolves with the digits once they end with a string match', async () => {
    const r = await call(engine, "async function main(data, ctx) { await ctx.answer(); return ctx.waitFor('#') }", { dtmf: '12#@1000' });
    expect(r.ok).toBe(true);
    expect(op(r.timeline, 'waitFor')).toMatchObject({ match: "'#'", timeoutSec: 60, result: { status: 'match', digits: '12#' } });
  });

  it('matches a RegExp or a function, in the sandbox', async () => {
    const code = `async function main(data, ctx) {
      await ctx.answer();
      const [a, b] = await Promise.all([ctx.waitFor(/\\d{3}$/), ctx.waitFor((digits) => digits.length === 2)]);
      ctx.log(a, b);
    }`;
    const r = await call(engine, code, { dtmf: '987@500' });
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual(['987 98']);
    expect(ops(r.timeline, 'waitFor')).toHaveLength(2);
  });

  it('rejects on failMatch and on timeout, with the digits', async () => {
    const code = `async function main(data, ctx) {
      await ctx.answer();
      try { await ctx.waitFor('123', '*') } catch (e) { ctx.log(e.name, e.digits, e.message) }
      try { await ctx.waitFor('9', null, 2) } catch (e) { ctx.log(e.name, e.digits, e.message) }
    }`;
    const r = await call(engine, code, { dtmf: '12*@500,5@1500' });
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual([
      "WaitForFailed 12* ctx.waitFor('123', '*'): the digits '12*' matched failMatch",
      "WaitForTimeout 5 ctx.waitFor('9', null, 2) timed out after 2 s (digits pressed: '5')",
    ]);
    about(took(ops(r.timeline, 'waitFor')[1]), 2000);
  });

  it('may be pending beside another operation, and sees only digits pressed after it started', async () => {
    const code = `async function main(data, ctx) {
      await ctx.answer();
      await ctx.sleep(1000);
      const pin = ctx.waitFor('#');
      await ctx.play('ivr/enter-pin.wav');
      return pin;
    }`;
    const r = await call(engine, code, { dtmf: '7@500,42#@2000' });
    expect(r.ok).toBe(true);
    expect(op(r.timeline, 'waitFor').result).toEqual({ status: 'match', digits: '42#' });
    expect(op(r.timeline, 'play').result).toEqual({ ms: 3000 }); // waitFor does not barge in
  });

  it('rejects with the error its match function threw', async () => {
    const code = "async function main(data, ctx) { await ctx.answer(); try { await ctx.waitFor(() => { throw new RangeError('bad matcher') }) } catch (e) { ctx.log(e.name, e.message) } }";
    const r = await call(engine, code, { dtmf: '1@100' });
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual(['RangeError bad matcher']);
  });

  it('refuses a match that is not digits, a RegExp or a function', async () => {
    const r = await call(engine, "async function main(data, ctx) {\n  await ctx.answer();\n  await ctx.waitFor('x');\n}");
    expect(r).toMatchObject({ ok: false, error: { name: 'TypeError', line: 3 } });
  });
});

describe('bridge, blockDtmf, transfer', () => {
  it('bridge() connects the destination and resolves with the B-leg result', async () => {
    const r = await call(engine, "async function main(data, ctx) { await ctx.answer(); const leg = await ctx.bridge('2001'); ctx.log(leg.status); await ctx.tts('Bye.') }",
      { destinations: { 2001: { ringMs: 2000, talkMs: 10_000 } } });
    expect(r.ok).toBe(true);
    const e = op(r.timeline, 'bridge');
    expect(e).toMatchObject({ destination: '2001', continueOn: true, result: { status: 'completed', sipCode: 200, durationMs: 10_000 } });
    about(took(e), 12_000);
    expect(events(r.timeline, 'leg').map((l) => l.state)).toEqual(['ringing', 'answered', 'ended']);
    expect(op(r.timeline, 'tts').result).toEqual({ ms: 700 });
  });

  it("reports busy, and continueOn 'fail' goes on after a failure", async () => {
    const r = await call(engine, "async function main(data, ctx) { await ctx.answer(); const leg = await ctx.bridge('2002', 'fail'); await ctx.play('ivr/goodbye.wav'); return leg }",
      { destinations: { 2002: { sipCode: 486 } } });
    expect(r.ok).toBe(true);
    expect(op(r.timeline, 'bridge').result).toEqual({ status: 'busy', sipCode: 486, durationMs: 0 });
    expect(op(r.timeline, 'play').result).toEqual({ ms: 1000 });
  });

  it('continueOn false ends the call after the bridge: later operations reject with CallEnded', async () => {
    const code = "async function main(data, ctx) { await ctx.answer(); const leg = await ctx.bridge('2001', false); ctx.log('bridge', leg.status); await ctx.play('ivr/goodbye.wav') }";
    const r = await call(engine, code, { destinations: { 2001: { talkMs: 3000 } } });
    expect(r.ok).toBe(true); // an uncaught CallEnded is the normal end of a call
    expect(messages(r)).toEqual(['bridge completed']);
    expect(events(r.timeline, 'hangup')[0]).toMatchObject({ by: 'bridge', reason: "ctx.bridge('2001') completed and continueOn is false" });
    expect(op(r.timeline, 'play')).toMatchObject({ error: { name: 'CallEnded' } });
  });

  it('blockDtmf(digits) keeps those digits from the B-leg', async () => {
    const code = "async function main(data, ctx) { await ctx.answer(); await ctx.blockDtmf('5*'); return ctx.bridge('2001') }";
    const r = await call(engine, code, { dtmf: '1@2000,5@3000,9@4000', destinations: { 2001: { ringMs: 1000, talkMs: 5000 } } });
    expect(r.ok).toBe(true);
    expect(op(r.timeline, 'blockDtmf')).toMatchObject({ digits: '5*' });
    expect(events(r.timeline, 'dtmf').map((d) => [d.digit, d.relayed])).toEqual([['1', true], ['5', false], ['9', true]]);
  });

  it('transfer(target) hands the call over (REFER); a refused one lets it go on', async () => {
    const code = "async function main(data, ctx) { await ctx.answer(); ctx.log(JSON.stringify(await ctx.transfer('2009'))); ctx.log(JSON.stringify(await ctx.transfer('2001'))); await ctx.play('ivr/goodbye.wav') }";
    const r = await call(engine, code, { destinations: { 2009: { sipCode: 404 } } });
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual(['{"status":"failed","sipCode":404}', '{"status":"accepted","sipCode":202}']);
    expect(events(r.timeline, 'hangup')[0]).toMatchObject({ by: 'transfer', reason: 'transferred to 2001' });
    expect(op(r.timeline, 'play')).toMatchObject({ error: { name: 'CallEnded' } });
  });
});

describe('record, waitForHangup, sleep, sendDtmf', () => {
  it('record(name) starts recording; it runs until the call ends', async () => {
    const r = await call(engine, "async function main(data, ctx) { await ctx.answer(); await ctx.record('msg-1'); await ctx.play('ivr/welcome.wav'); await ctx.hangup() }");
    expect(r.ok).toBe(true);
    expect(op(r.timeline, 'record').result).toEqual({ name: 'msg-1' });
    const [rec] = r.sim.seen.recordings;
    expect(rec.name).toBe('msg-1');
    about(rec.endMs! - rec.startMs, 2000);
  });

  it('waitForHangup() resolves when the caller hangs up', async () => {
    const r = await call(engine, 'async function main(data, ctx) { await ctx.answer(); await ctx.waitForHangup(); ctx.log("gone") }', { hangupAfterMs: 90_000 });
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual(['gone']);
    about(op(r.timeline, 'waitForHangup').end, events(r.timeline, 'hangup')[0].t);
    about(took(op(r.timeline, 'waitForHangup')), 90_000);
  });

  it('sleep(ms) waits on the call clock: ten simulated minutes pass at once', async () => {
    const started = performance.now();
    const r = await call(engine, 'async function main(data, ctx) { await ctx.answer(); await ctx.sleep(600000) }');
    expect(r.ok).toBe(true);
    about(took(op(r.timeline, 'sleep')), 600_000);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('sendDtmf(digits) sends digits to the caller, 160 ms each', async () => {
    const r = await call(engine, "async function main(data, ctx) { await ctx.answer(); await ctx.sendDtmf('123#') }");
    expect(r.ok).toBe(true);
    expect(r.sim.seen.sentDigits).toBe('123#');
    about(took(op(r.timeline, 'sendDtmf')), 4 * 160);
  });
});

describe('variables, headers, log', () => {
  it('get() answers synchronously from the call; set() and header() change the call', async () => {
    const code = `async function main(data, ctx) {
      const from = ctx.get('sip_from_user');
      const customer = ctx.get('sip_h_X-Customer-ID');
      ctx.set('billing_account', from + '-' + customer);
      ctx.header('X-Route', 'premium');
      ctx.set('sip_h_X-Tag', 'gold');
      await ctx.answer();
      return [from, customer, ctx.header('x-customer-id'), ctx.get('billing_account'), ctx.header('X-Route'), ctx.header('X-Tag'), ctx.get('nothing'), process.env.CORRELATION_ID];
    }`;
    const r = await call(engine, code, { caller: { from: '442079460123', headers: { 'X-Customer-ID': '1042' } } });
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual([]);
    expect(r.sim.seen.variables).toEqual({ billing_account: '442079460123-1042' });
    expect(r.sim.seen.headers).toEqual({ 'X-Route': 'premium', 'X-Tag': 'gold' });
    expect(op(r.timeline, 'set')).toMatchObject({ key: 'billing_account', value: '442079460123-1042' });
    expect(op(r.timeline, 'header')).toMatchObject({ name: 'X-Route', value: 'premium' });
  });

  it('the script sees the call id as process.env.CORRELATION_ID and in ctx.get', async () => {
    const r = await call(engine, "async function main(data, ctx) { ctx.log(process.env.CORRELATION_ID === ctx.get('sip_call_id'), ctx.get('sip_call_id').startsWith('sim-')) }");
    expect(messages(r)).toEqual(['true true']);
  });

  it('log(text) is in the execution log and on the timeline', async () => {
    const r = await call(engine, "async function main(data, ctx) { ctx.log('caller', ctx.get('caller_id_number'), { vip: true }) }");
    expect(messages(r)).toEqual(["caller 441632960001 { vip: true }"]);
    expect(op(r.timeline, 'log')).toMatchObject({ text: "caller 441632960001 { vip: true }" });
  });
});

describe("on('dtmf' | 'hangup')", () => {
  it('delivers each digit to the handlers while the script does something else', async () => {
    const code = `async function main(data, ctx) {
      const seen = [];
      ctx.on('dtmf', (d) => { seen.push(d); ctx.log('digit ' + d) });
      await ctx.answer();
      await ctx.sleep(5000);
      return seen.join('');
    }`;
    const r = await call(engine, code, { dtmf: '1@1000,2@2000,#@3000,9@6000' });
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual(['digit 1', 'digit 2', 'digit #']);
  });

  it("tells 'hangup' handlers who ended the call", async () => {
    const code = `async function main(data, ctx) {
      ctx.on('hangup', (e) => ctx.log('hangup by', e.by));
      await ctx.answer();
      try { await ctx.play('ivr/menu.wav') } catch (e) { await new Promise((r) => setTimeout(r, 10)) }
    }`;
    const r = await call(engine, code, { hangupAfterMs: 1000 });
    expect(r.ok).toBe(true);
    expect(messages(r)).toEqual(['hangup by caller']);
  });

  it('a throwing handler is logged, and the call goes on', async () => {
    const code = "async function main(data, ctx) { ctx.on('dtmf', () => { throw new Error('oops') }); await ctx.answer(); await ctx.sleep(2000); return 1 }";
    const r = await call(engine, code, { dtmf: '1@500' });
    expect(r.ok).toBe(true);
    expect(r.logs[0]).toMatchObject({ level: 'error' });
    expect(r.logs[0].message).toContain("ctx.on('dtmf') handler threw: Error: oops");
  });

  it('refuses an unknown event', async () => {
    const r = await call(engine, "async function main(data, ctx) {\n  ctx.on('ring', () => {});\n}");
    expect(r).toMatchObject({ ok: false, error: { name: 'TypeError', message: "ctx.on(event, fn): event must be 'dtmf' or 'hangup', not 'ring'", line: 2 } });
  });
});
