/**
 * `scriptforge push FILE` and `scriptforge pull ID`: keep scripts in git, deploy them to a server.
 * The server and key come from --server/--key or SCRIPTFORGE_SERVER/SCRIPTFORGE_KEY.
 */
import fs from 'node:fs';
import path from 'node:path';
import { analyze, guessType } from '../runtime/index.js';
import { UsageError, parseCommand, readScriptFile } from './usage.js';

const PUSH_HELP = `Usage: scriptforge push FILE [--name NAME] [--type script|app|driver] [--id ID] [--server URL] [--key KEY]

Saves FILE as a new version of the script with that name (default: the file name without .js)
and deploys it, or creates the script. Prints {"id","version"}.`;
const PULL_HELP = `Usage: scriptforge pull ID [--out FILE] [--version N] [--server URL] [--key KEY]

Writes the code of the deployed version (or --version N) to FILE (default: NAME.js; - for stdout).`;

interface Conn {
  server: string;
  key: string;
}

function connection(v: { server?: string; key?: string }): Conn {
  const server = v.server ?? process.env.SCRIPTFORGE_SERVER;
  const key = v.key ?? process.env.SCRIPTFORGE_KEY;
  if (!server) throw new UsageError('no server: give --server URL or set SCRIPTFORGE_SERVER');
  if (!key) throw new UsageError('no API key: give --key KEY or set SCRIPTFORGE_KEY');
  return { server: server.replace(/\/+$/, ''), key };
}

class RemoteError extends Error {}

async function api(c: Conn, method: string, p: string, body?: unknown): Promise<any> {
  let res: Response;
  try {
    res = await fetch(c.server + p, {
      method,
      headers: { authorization: `Bearer ${c.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new RemoteError(`cannot reach ${c.server}: ${(err as Error).cause ?? (err as Error).message}`);
  }
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = json?.error;
    const where = e?.line !== undefined ? ` (line ${e.line}, column ${e.column})` : '';
    throw new RemoteError(`${method} ${p}: ${res.status} ${e?.message ?? text}${where}`);
  }
  return json;
}

const conn = { server: { type: 'string' }, key: { type: 'string' } } as const;

export async function pushCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, { ...conn, name: { type: 'string' }, type: { type: 'string' }, id: { type: 'string' } }, PUSH_HELP);
  if (!parsed) return 0;
  const { values: o, positionals } = parsed;
  const { file, code } = readScriptFile('push', positionals, PUSH_HELP);
  const c = connection(o);
  const name = o.name ?? path.basename(file).replace(/\.[cm]?js$/, '');
  return remote(async () => {
    let id = o.id;
    if (!id) id = ((await api(c, 'GET', '/api/v1/scripts')) as { id: string; name: string }[]).find((s) => s.name === name)?.id;
    const saved = id
      ? await api(c, 'PUT', `/api/v1/scripts/${encodeURIComponent(id)}`, { code, ...(o.type ? { type: o.type } : {}) })
      : await api(c, 'POST', '/api/v1/scripts', { name, type: o.type ?? typeOf(code), code });
    process.stdout.write(`${JSON.stringify({ id: saved.id, name: saved.name, version: saved.version })}\n`);
  });
}

export async function pullCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(argv, { ...conn, out: { type: 'string' }, version: { type: 'string' } }, PULL_HELP);
  if (!parsed) return 0;
  const { values: o, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(`pull needs exactly one script ID\n\n${PULL_HELP}`);
  const c = connection(o);
  const id = encodeURIComponent(positionals[0]);
  return remote(async () => {
    const s = await api(c, 'GET', `/api/v1/scripts/${id}`);
    const code: string = o.version ? (await api(c, 'GET', `/api/v1/scripts/${id}/versions/${encodeURIComponent(o.version)}`)).code : s.code;
    const out = o.out ?? `${s.name}.js`;
    if (out === '-') process.stdout.write(code);
    else {
      fs.writeFileSync(out, code);
      process.stderr.write(`wrote ${out} (${s.name}, version ${o.version ?? s.version})\n`);
    }
  });
}

function typeOf(code: string): string {
  try {
    return guessType(analyze(code));
  } catch {
    return 'script'; // the server names the syntax error
  }
}

async function remote(f: () => Promise<void>): Promise<number> {
  try {
    await f();
    return 0;
  } catch (err) {
    if (!(err instanceof RemoteError)) throw err;
    process.stderr.write(`scriptforge: ${err.message}\n`);
    return 1;
  }
}
