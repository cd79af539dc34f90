/**
 * A Class 4 routing call: the account's "run first" scripts, the call's own script, then its "run
 * last" scripts, each given the previous one's output. Each is time-boxed: the answer comes within
 * its `timeoutMs` plus a small margin whatever the script does (the engine kills it; the answer
 * does not wait for that). A reject stops the chain; an output that breaks the call's structure is
 * never passed on; a timeout or an error takes the script's action (continue unchanged, or a SIP
 * code and reason).
 */
import { TimeoutError } from '../engine/index.js';
import type { Executor } from '../executor/index.js';
import type { RoutingSettings, Script, Store } from '../store/index.js';
import { diff, type Change } from './diff.js';
import { validateOutput } from './validate.js';
import { mergeVars, RoutingInputError } from './vars.js';

type Obj = Record<string, unknown>;

export const ROUTING_DEFAULTS: Readonly<RoutingSettings> = Object.freeze({
  timeoutMs: 2000,
  onTimeout: '503 Routing Script Failure',
  onError: '503 Routing Script Failure',
});

/** What happened in one script of the chain. */
export interface Step {
  scriptId: string;
  executionId: string | null;
  outcome: 'ok' | 'reject' | 'timeout' | 'error' | 'missing';
  ms: number;
  /** For a timeout or an error: what went wrong (the execution has the details and logs). */
  error?: string;
}

export type RoutingAnswer =
  | { action: 'continue'; data: Obj; diff: Change[]; trace: Step[] }
  | { action: 'reject'; sipCode: number; reason: string; trace: Step[] };

/** The call's data between steps: the object (for the checks) and its JSON text (for the sandbox and the answer). */
interface Data {
  value: Obj;
  json: string;
}

type Verdict = { action: 'continue'; data: Data } | { action: 'reject'; sipCode: number; reason: string };

const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A reason phrase the switch can put in its status line as is: the first line of what the script
 * said, without control characters (a line break there would let a script add SIP headers).
 */
export function reasonPhrase(reason: string | undefined): string {
  return (reason ?? '').split(/[\r\n]/)[0].replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 120);
}

/** 'continue', or '<code> <reason>'. */
function act(action: string, input: Data): Verdict {
  const m = /^([4-6]\d\d) (.+)$/.exec(action);
  return m ? { action: 'reject', sipCode: Number(m[1]), reason: m[2] } : { action: 'continue', data: input };
}

export class Router {
  constructor(
    readonly store: Store,
    readonly executor: Executor,
    /** How much later than a script's timeoutMs its action is taken, at most (default 30 ms). */
    readonly marginMs = 30,
  ) {}

  /**
   * Routes one call: `scriptId` null runs the chain alone. The answer is JSON text (a RoutingAnswer),
   * built around the last script's own output text rather than encoding the data once more; null
   * when the script does not exist; RoutingInputError for a body that is not a call's data.
   * `bodyJson` is the body as it came, when the caller has it.
   */
  async route(accountId: string, scriptId: string | null, body: unknown, bodyJson?: string): Promise<string | null> {
    if (!isObject(body)) throw new RoutingInputError('body', "The body must be the call's data: an object with 'routing'");
    if (!isObject(body.routing)) throw new RoutingInputError('body.routing', "body.routing is required: the call's routing, as the switch chose it");
    let input: Data;
    if (body.vars === undefined && bodyJson !== undefined) input = { value: body, json: bodyJson };
    else {
      const { vars, ...rest } = body;
      const value = mergeVars(rest, vars);
      input = { value, json: JSON.stringify(value) };
    }
    const own = scriptId === null ? null : await this.store.getScript(accountId, scriptId);
    if (scriptId !== null && !own) return null;
    const chain = await this.store.getRoutingChain(accountId);
    const ids = chain.runFirst.length + chain.runLast.length === 0 && scriptId !== null ? [scriptId] : [...chain.runFirst, ...(scriptId === null ? [] : [scriptId]), ...chain.runLast];

    const trace: Step[] = [];
    let data = input;
    for (const id of ids) {
      const script = id === scriptId ? own : await this.store.getScript(accountId, id);
      const v = await this.#step(accountId, id, script, data, trace);
      if (v.action === 'reject') return JSON.stringify({ ...v, trace });
      data = v.data;
    }
    // {"action":"continue","data":...,"diff":[...],"trace":[...]}, with the data as the script gave it.
    return `{"action":"continue","data":${data.json},"diff":${JSON.stringify(diff(input.value, data.value))},"trace":${JSON.stringify(trace)}}`;
  }

  async #step(accountId: string, scriptId: string, script: Script | null, data: Data, trace: Step[]): Promise<Verdict> {
    const started = performance.now();
    const step = (outcome: Step['outcome'], executionId: string | null, error?: string) =>
      trace.push({ scriptId, executionId, outcome, ms: Math.round((performance.now() - started) * 100) / 100, ...(error ? { error } : {}) });
    if (!script) {
      step('missing', null); // deleted since the chain was set: it no longer takes part
      return { action: 'continue', data };
    }
    const s = { ...ROUTING_DEFAULTS, ...script.routing };
    let timer: NodeJS.Timeout | undefined;
    let output: unknown; // parsed once, by the check
    const stop = new AbortController();
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), s.timeoutMs + this.marginMs)));
    const run = this.executor.run({
      accountId,
      scriptId,
      script,
      input: data.json,
      trigger: 'routing',
      limits: { cpuMs: s.timeoutMs, wallMs: s.timeoutMs },
      returnInputIfUndefined: true,
      signal: stop.signal,
      check: (result) => {
        output = result;
        const bad = validateOutput(data.value, result);
        return bad ? { name: 'RoutingOutputError', code: 'ROUTING_OUTPUT_INVALID' as const, message: `The output was not passed on: ${bad}` } : null;
      },
    });
    run.catch(() => {}); // when it is late, its end is recorded but nobody waits for it
    const o = await Promise.race([run, late]);
    clearTimeout(timer);
    if (o === 'late') {
      // The switch gets its answer now; the execution is stopped (and recorded as timed out).
      stop.abort(new TimeoutError(`No answer within the routing time box of ${s.timeoutMs} ms`));
      step('timeout', null, `no answer within ${s.timeoutMs} ms`);
      return act(s.onTimeout, data);
    }
    if (!o.found) {
      step('missing', null);
      return { action: 'continue', data };
    }
    if (o.ok) {
      step('ok', o.executionId);
      return { action: 'continue', data: { value: output as Obj, json: o.resultJson! } };
    }
    const e = o.error!;
    if (e.sipCode !== undefined) {
      step('reject', o.executionId);
      return { action: 'reject', sipCode: e.sipCode, reason: reasonPhrase(e.reason) };
    }
    if (e.code === 'TIMEOUT') {
      step('timeout', o.executionId, e.message);
      return act(s.onTimeout, data);
    }
    step('error', o.executionId, `${e.name}: ${e.message}`);
    return act(s.onError, data);
  }
}
