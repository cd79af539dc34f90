/**
 * `scriptforge call FILE`: runs a Class 5 voice script against a simulated call, through the real
 * engine, and prints the call's timeline.
 */
import path from 'node:path';
import { Engine, type Limits } from '../engine/index.js';
import { MODULES, moduleHost } from '../modules/index.js';
import { SqliteStore } from '../store/sqlite/index.js';
import {
  AudioDir, DEFAULT_MAX_CALL_MS, SimulatedCall, parseDestination, parseDigits, runCall,
  type CallOutcome, type Destination, type TimelineEntry,
} from '../voice/index.js';
import { UsageError, parseCommand, positive, readData, readScriptFile } from './usage.js';

const HELP = `Usage: scriptforge call FILE [options]

Runs main(data, ctx) against a simulated call (simulated time: prompts do not make you wait).

  --data JSON | @FILE        the data argument
  --dtmf "1@1500,2@1700"     digits the caller presses, in ms after the answer ("1234#@3000":
                             a group, one digit every 200 ms)
  --hangup-after MS          the caller hangs up this long after the answer
  --from NUMBER, --to NUMBER the caller and the dialled number
  --header "NAME: VALUE"     a SIP header of the INVITE (repeatable)
  --bridge DEST=BEHAVIOUR    how a bridge or transfer destination answers (repeatable): busy,
                             no-answer, a SIP code, answer, answer:TALK_MS[:RING_MS]
                             (default: answers after 1 s, hangs up after 30 s)
  --audio DIR                the audio folder: DIR/ivr/*.wav stock prompts, DIR/user/* uploads
                             (default: $SCRIPTFORGE_DATA_DIR/audio, or ./data/audio)
  --max-duration MS          the longest the call may last (default ${DEFAULT_MAX_CALL_MS})
  --timeout MS               CPU time limit
  --memory MB                memory limit
  --realtime                 simulated time is real time
  --json                     print one JSON object: {ok, timeline, logs, error?}`;

export async function callCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, {
    data: { type: 'string' },
    dtmf: { type: 'string' },
    'hangup-after': { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    header: { type: 'string', multiple: true },
    bridge: { type: 'string', multiple: true },
    audio: { type: 'string' },
    'max-duration': { type: 'string' },
    timeout: { type: 'string' },
    memory: { type: 'string' },
    realtime: { type: 'boolean' },
    json: { type: 'boolean' },
  }, HELP);
  if (!parsed) return 0;
  const { values: o, positionals } = parsed;
  const { file, code } = readScriptFile('call', positionals, HELP);
  const input = o.data === undefined ? '' : readData(o.data);
  const limits: Partial<Limits> = {};
  if (o.timeout !== undefined) limits.cpuMs = positive('--timeout', o.timeout);
  if (o.memory !== undefined) limits.memoryMb = positive('--memory', o.memory);
  const headers: Record<string, string> = {};
  for (const h of o.header ?? []) {
    const colon = h.indexOf(':');
    if (colon < 1) throw new UsageError(`--header must be "NAME: VALUE", not '${h}'`);
    headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  const destinations: Record<string, Destination> = {};
  for (const b of o.bridge ?? []) {
    const eq = b.indexOf('=');
    if (eq < 1) throw new UsageError(`--bridge must be DEST=BEHAVIOUR, not '${b}'`);
    destinations[b.slice(0, eq)] = usage(() => parseDestination(b.slice(eq + 1)));
  }
  const audioDir = o.audio ?? path.join(process.env.SCRIPTFORGE_DATA_DIR ?? './data', 'audio');
  const dtmf = o.dtmf === undefined ? [] : usage(() => parseDigits(o.dtmf!));
  const hangupAfterMs = o['hangup-after'] === undefined ? undefined : positive('--hangup-after', o['hangup-after']);
  const maxCallMs = o['max-duration'] === undefined ? undefined : positive('--max-duration', o['max-duration']);
  const engine = new Engine({ workers: 1, modules: MODULES });
  // Modules keep their data in a throwaway in-memory store, as with `scriptforge run`.
  const store = new SqliteStore({ dataDir: ':memory:' });
  const host = moduleHost({ store, accountId: 'local' });
  let outcome: CallOutcome;
  try {
    await engine.start();
    // The call arrives now, with the engine ready.
    const call = new SimulatedCall({
      audio: new AudioDir(audioDir),
      caller: {
        from: o.from, to: o.to, headers,
        dtmf, hangupAfterMs,
      },
      destinations,
      realtime: o.realtime === true,
    });
    outcome = await runCall(engine, {
      code, filename: path.basename(file), input, limits, backend: call, host, maxCallMs,
    });
  } finally {
    host.dispose();
    await engine.close(0);
    await store.close();
  }
  if (outcome.error?.code === 'INVALID_REQUEST') throw new UsageError(outcome.error.message);
  if (o.json) process.stdout.write(`${JSON.stringify({ ok: outcome.ok, timeline: outcome.timeline, logs: outcome.logs, ...(outcome.error ? { error: outcome.error } : {}) })}\n`);
  else printCall(outcome, file);
  return outcome.ok ? 0 : 1;
}

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (c: number, s: string) => (useColor ? `\x1b[${c}m${s}\x1b[0m` : s);

/** The timeline, one line per entry: `  1.502s  ivr 'ivr/menu.wav' ... → {"status":"success","value":"1"}`. */
function printCall(outcome: CallOutcome, file: string): void {
  const out: string[] = [];
  const time = (ms: number) => paint(2, `${(ms / 1000).toFixed(3).padStart(8)}s`);
  for (const e of outcome.timeline) out.push(`${time(e.t)}  ${describe(e)}`);
  if (outcome.logs.length > 0) {
    out.push(paint(2, 'logs:'));
    for (const l of outcome.logs) out.push(`  ${l.level === 'error' ? paint(31, l.level) : l.level === 'warn' ? paint(33, l.level) : paint(2, l.level)} ${l.message}`);
  }
  if (outcome.ok) out.push(`${paint(32, 'ok')} ${paint(2, `(${path.basename(file)})`)}`);
  else {
    const err = outcome.error!;
    out.push(`${paint(31, `${err.name}: ${err.message}`)} ${paint(2, `[${err.code}]`)}`);
    if (err.line !== undefined) out.push(`  at ${path.basename(file)}:${err.line}:${err.column ?? 1}`);
    out.push(paint(31, 'failed'));
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

function describe(e: TimelineEntry): string {
  const { t, op, event, result, error, end, ...args } = e;
  void t;
  const shown = Object.entries(args).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
  if (op !== undefined) {
    const instant = op === 'log' || op === 'set' || op === 'header' || op === 'blockDtmf';
    // Under 10 ms is the script's own time, not the call's.
    const took = typeof end === 'number' && end - (t as number) >= 10 && !instant ? paint(2, ` (${end - (t as number)} ms)`) : '';
    const outcomeText = error ? paint(31, ` ✗ ${(error as { name: string }).name}: ${(error as { message: string }).message}`)
      : result !== undefined && result !== null ? ` → ${JSON.stringify(result)}` : '';
    return `${paint(1, String(op))}${shown ? ` ${shown}` : ''}${outcomeText}${took}`;
  }
  return `${paint(36, `· ${String(event)}`)}${shown ? ` ${shown}` : ''}`;
}

function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
