/**
 * Entry point of a worker process (forked by the supervisor with --no-node-snapshot). It talks to
 * the supervisor over fd 3 in frames (../protocol.ts) and runs executions in its isolates. It may be
 * killed at any moment: it keeps nothing that is not also known to the supervisor.
 */
import fs from 'node:fs';
import net from 'node:net';
import { FrameWriter, readFrames, type Header } from '../protocol.js';
import type { ModuleDefinition } from '../types.js';
import { Execution, type ExecHeader, type ExecIO, type ExecOutcome } from './execute.js';
import { IsolatePool, type ScriptSource } from './isolates.js';

const channel = new net.Socket({ fd: 3, readable: true, writable: true });
const out = new FrameWriter(channel);
const scripts = new Map<string, ScriptSource>();
const running = new Map<number, Execution>();
const MAX_SCRIPTS = 10_000;
let pool: IsolatePool | null = null;

function guestFile(name: string): string {
  return fs.readFileSync(new URL(`../guest/${name}`, import.meta.url), 'utf8');
}

const io: ExecIO = {
  hostCall(id, op, module, method, argsJson) {
    out.send({ t: 'host', id, op, m: module, f: method }, argsJson);
  },
  streamLogs(id, logsJson) {
    out.send({ t: 'log', id }, logsJson);
  },
  turn(id, running) {
    if (running) out.sendNow({ t: 'turn', id });
    else out.send({ t: 'turned', id });
  },
  idle(id, delivered, timers) {
    out.send({ t: 'idle', id, delivered, timers });
  },
};

function joinLogs(parts: string[]): string {
  if (parts.length === 0) return '';
  if (parts.length === 1) return parts[0];
  return `[${parts.map((p) => p.slice(1, -1)).join(',')}]`;
}

function reply(id: number, o: ExecOutcome): void {
  const header: Header = { t: 'done', id, ok: o.ok, cpuMs: o.cpuMs, wallMs: o.wallMs };
  if (o.error) header.error = o.error;
  // At once: if the next guest kills this process, this answer must already be on its way.
  out.sendNow(header, `${joinLogs(o.logsJson)}\n${o.resultJson}`);
}

function init(h: Header, body: string): void {
  const modules = new Map(Object.entries(JSON.parse(body || '{}') as Record<string, ModuleDefinition>));
  const guest = (name: string) => guestFile(name).replace(/^\/\/.*$/gm, '');
  const prelude = `(${guest('prelude.js')})((${guest('inspect.js')})(), ${JSON.stringify([...modules.keys()])}, (${guest('ctx.js')}))`;
  pool = new IsolatePool({
    preludeSource: prelude,
    modules,
    maxTenants: Number(h.maxTenants) || 256,
    maxReuseContexts: Number(h.maxReuseContexts) || 256,
    maxIdleContexts: 1,
  });
  out.send({ t: 'ready', pid: process.pid });
}

function exec(h: Header, body: string): void {
  const header = h as unknown as ExecHeader & { key: string; code?: Omit<ScriptSource, 'key'> };
  let script = scripts.get(header.key);
  if (header.code) {
    script = { key: header.key, ...header.code };
    scripts.set(header.key, script);
    if (scripts.size > MAX_SCRIPTS) scripts.delete(scripts.keys().next().value as string);
  }
  if (!script || !pool) {
    out.send({ t: 'miss', id: header.id });
    return;
  }
  const execution = new Execution(header, script, body, pool, io);
  if (header.type !== 'script') {
    running.set(header.id, execution);
    out.send({ t: 'started', id: header.id });
  }
  void execution.run().then((o) => {
    running.delete(header.id);
    reply(header.id, o);
  });
}

readFrames(
  channel,
  (h, body) => {
    switch (h.t) {
      case 'exec':
        exec(h, body);
        break;
      case 'hostResult':
        running.get(Number(h.id))?.deliver(Number(h.op), h.ok === true, body, h.e);
        break;
      case 'cancel':
        running.get(Number(h.id))?.cancel();
        break;
      case 'forget':
        scripts.delete(String(h.key));
        pool?.forgetScript(String(h.key));
        break;
      case 'stats':
        out.send({
          t: 'stats', rss: process.memoryUsage.rss(), tenants: pool?.tenantCount ?? 0, scripts: scripts.size,
          codeCache: pool?.codeCacheStats ?? { hits: 0, misses: 0 },
        });
        break;
      case 'init':
        init(h, body);
        break;
    }
  },
  (err) => {
    process.stderr.write(`scriptforge worker: ${err.message}\n`);
    process.exit(70);
  },
);
channel.on('close', () => process.exit(0));
channel.on('error', () => process.exit(0));
