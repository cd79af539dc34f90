// examples/c5-menu.js and examples/c5-pin.js, unchanged, against simulated calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import { MODULES, moduleHost } from '../../src/modules/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { example, startEngine } from '../helpers.js';
import { call, events, messages, op, ops } from './helpers.js';

let engine: Engine;
let store: SqliteStore;
beforeAll(async () => {
  engine = await startEngine({ modules: MODULES });
  store = new SqliteStore({ dataDir: ':memory:' });
});
afterAll(async () => {
  await engine.close();
  await store.close();
});

describe('c5-menu.js', () => {
  const menu = example('c5-menu.js');

  it('1 during the menu: sales (2001), the caller is connected and the call ends with the bridge', async () => {
    const r = await call(engine, menu, { dtmf: '1@1500' });
    expect(r.ok).toBe(true);
    expect(op(r.timeline, 'ivr').result).toEqual({ status: 'success', value: '1' });
    expect(messages(r)).toEqual(['menu success 1']);
    expect(op(r.timeline, 'tts')).toMatchObject({ text: 'Connecting you now.' });
    expect(op(r.timeline, 'bridge')).toMatchObject({ destination: '2001', continueOn: 'fail', result: { status: 'completed' } });
    expect(ops(r.timeline, 'play')).toEqual([]);
    expect(events(r.timeline, 'hangup')[0]).toMatchObject({ by: 'bridge' });
    // in the order a real call has them
    expect(r.timeline.map((e) => e.op ?? e.event)).toEqual(['answer', 'ivr', 'prompt', 'dtmf', 'log', 'tts', 'bridge', 'leg', 'leg', 'leg', 'hangup', 'hangup']);
  });

  it('nothing pressed: the menu twice, then the operator (2000); busy: goodbye', async () => {
    const r = await call(engine, menu, { destinations: { 2000: { sipCode: 486 } } });
    expect(r.ok).toBe(true);
    expect(op(r.timeline, 'ivr').result).toEqual({ status: 'timeout', value: '' });
    expect(events(r.timeline, 'prompt').map((p) => p.file)).toEqual(['ivr/menu.wav', 'ivr/invalid.wav', 'ivr/menu.wav']);
    expect(op(r.timeline, 'bridge')).toMatchObject({ destination: '2000', result: { status: 'busy', sipCode: 486 } });
    expect(op(r.timeline, 'play')).toMatchObject({ file: 'ivr/goodbye.wav', result: { ms: 1000 } });
    expect(op(r.timeline, 'hangup')).toMatchObject({ result: null });
    expect(events(r.timeline, 'hangup')[0]).toMatchObject({ by: 'script' });
  });

  it('the caller hanging up during the menu ends it without an error', async () => {
    const r = await call(engine, menu, { hangupAfterMs: 2000 });
    expect(r.ok).toBe(true);
    expect(op(r.timeline, 'ivr').result).toEqual({ status: 'hangup', value: '' });
    expect(op(r.timeline, 'tts')).toMatchObject({ error: { name: 'CallEnded' } });
    expect(ops(r.timeline, 'bridge')).toEqual([]);
  });
});

describe('c5-pin.js (cxKV)', () => {
  const pin = example('c5-pin.js');
  const as = (accountId: string) => moduleHost({ store, accountId });

  it('the right PIN: thanks, and bridges to data.destination', async () => {
    const host = as('acct-pin');
    await host('cxKV', 'set', ['pin_441632960001', '4321']);
    const r = await call(engine, pin, { host, data: { destination: '2005' }, dtmf: '4321@1000' });
    expect(r.ok).toBe(true);
    expect(op(r.timeline, 'ivr')).toMatchObject({ file: 'ivr/enter-pin.wav', min: 4, max: 4, result: { status: 'success', value: '4321' } });
    expect(op(r.timeline, 'tts')).toMatchObject({ text: 'Thank you.' });
    expect(op(r.timeline, 'bridge')).toMatchObject({ destination: '2005', continueOn: 'completed', result: { status: 'completed' } });
    expect(events(r.timeline, 'hangup')[0]).toMatchObject({ by: 'platform', reason: 'main() returned' });
  });

  it('three wrong tries: invalid each time, then goodbye', async () => {
    const host = as('acct-pin');
    // each try: the prompt (3 s, cut by the first digit) and four digits; then invalid.wav (1.5 s)
    const r = await call(engine, pin, { host, data: { destination: '2005' }, dtmf: '1111@1000,2222@4000,3333@7000' });
    expect(r.ok).toBe(true);
    expect(ops(r.timeline, 'ivr').map((e) => e.result)).toEqual([
      { status: 'success', value: '1111' }, { status: 'success', value: '2222' }, { status: 'success', value: '3333' },
    ]);
    expect(ops(r.timeline, 'play').map((e) => e.file)).toEqual(['ivr/invalid.wav', 'ivr/invalid.wav', 'ivr/invalid.wav']);
    expect(op(r.timeline, 'tts')).toMatchObject({ text: 'Too many attempts. Goodbye.' });
    expect(events(r.timeline, 'hangup')[0]).toMatchObject({ by: 'script' });
    expect(ops(r.timeline, 'bridge')).toEqual([]);
  });

  it("another account's PIN is not this caller's", async () => {
    await as('acct-other')('cxKV', 'set', ['pin_441632960001', '9999']);
    const r = await call(engine, pin, { host: as('acct-none'), data: { destination: '2005' }, dtmf: '9999@1000' });
    expect(ops(r.timeline, 'bridge')).toEqual([]);
  });
});
