/** `scriptforge run FILE`: runs customer code locally through the real engine (one worker process). */
import path from 'node:path';
import { Engine, type ExecutionType, type Isolation, type Limits } from '../engine/index.js';
import { MODULES, moduleHost } from '../modules/index.js';
import { SqliteStore } from '../store/sqlite/index.js';
import { analyze, guessType, run, type Envelope } from '../runtime/index.js';
import { printHuman } from './print.js';
import { UsageError, parseCommand, positive, readData, readScriptFile } from './usage.js';

const HELP = `Usage: scriptforge run FILE [options]

  --type script|app|driver   execution type (guessed from the code when omitted)
  --fn NAME                  function to call (default: main)
  --data JSON | @FILE        the data argument, as JSON text or a JSON file
  --timeout MS               CPU and wall time limit
  --memory MB                memory limit
  --isolation fresh|reuse    global state between runs (default: fresh)
  --json                     print one JSON object: {ok, result|error, logs, cpuMs, wallMs}`;

const TYPES = ['script', 'app', 'driver'];

export async function runCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, {
    type: { type: 'string' },
    fn: { type: 'string' },
    data: { type: 'string' },
    timeout: { type: 'string' },
    memory: { type: 'string' },
    isolation: { type: 'string' },
    json: { type: 'boolean' },
  }, HELP);
  if (!parsed) return 0;
  const { values: o, positionals } = parsed;
  const { file, code } = readScriptFile('run', positionals, HELP);
  if (o.type !== undefined && !TYPES.includes(o.type)) throw new UsageError(`--type must be one of ${TYPES.join(', ')}, not '${o.type}'`);
  if (o.isolation !== undefined && o.isolation !== 'fresh' && o.isolation !== 'reuse') {
    throw new UsageError(`--isolation must be fresh or reuse, not '${o.isolation}'`);
  }
  const input = o.data === undefined ? '' : readData(o.data);
  const limits: Partial<Limits> = {};
  if (o.timeout !== undefined) limits.cpuMs = limits.wallMs = positive('--timeout', o.timeout);
  if (o.memory !== undefined) limits.memoryMb = positive('--memory', o.memory);

  let type = o.type as ExecutionType | undefined;
  if (!type) {
    try {
      type = guessType(analyze(code));
    } catch {
      type = 'script'; // a syntax error: run() reports it with its position
    }
  }
  const engine = new Engine({ workers: 1, modules: MODULES });
  // Modules keep their data in a throwaway in-memory store: a local run touches nothing lasting.
  const store = new SqliteStore({ dataDir: ':memory:' });
  let envelope: Envelope;
  try {
    await engine.start();
    envelope = await run(engine, {
      code, filename: path.basename(file), type, fn: o.fn, input, limits, isolation: o.isolation as Isolation | undefined,
      host: moduleHost({ store, accountId: 'local' }),
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'INVALID_REQUEST') throw new UsageError((err as Error).message);
    throw err;
  } finally {
    await engine.close(0);
    await store.close();
  }
  if (!envelope.ok && envelope.error.code === 'INVALID_REQUEST') throw new UsageError(envelope.error.message);
  if (o.json) process.stdout.write(`${JSON.stringify(envelope)}\n`);
  else printHuman(envelope, { code, file, type, fn: o.fn ?? 'main' });
  return envelope.ok ? 0 : 1;
}
