/**
 * The supervisor's handle on one worker process: spawns it, frames requests to it, and tells the
 * engine when it answers or dies. Knows which script versions the worker has, so code is sent once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { FrameWriter, readFrames, type Header } from './protocol.js';

export interface WorkerEvents {
  onFrame(w: WorkerProcess, header: Header, body: string): void;
  onClose(w: WorkerProcess, reason: string): void;
}

export interface WorkerSpawnOptions {
  modulesJson: string;
  maxTenants: number;
  maxReuseContexts: number;
  /** Extra V8 flags for the worker (each guest runs under them too). */
  v8Flags: string[];
}

/** The worker's entry file: the compiled .js beside this module, or the .ts source under tsx in development. */
function workerEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    return { file: here.replace(/worker-process\.ts$/, 'worker/main.ts'), execArgv: ['--import', 'tsx'] };
  }
  return { file: here.replace(/worker-process\.js$/, 'worker/main.js'), execArgv: [] };
}

let nextWorkerId = 1;

export class WorkerProcess {
  readonly id = nextWorkerId++;
  readonly child: ChildProcess;
  readonly knownScripts = new Set<string>();
  /** Calls sent to this worker and not answered yet, in the order they were sent. */
  readonly inflight = new Map<number, unknown>();
  ready = false;
  closed = false;
  killedFor: string | null = null;
  /** The app or driver call whose guest turn is running now, and since when (performance.now()). */
  turnCall: number | null = null;
  turnStart = 0;
  readonly spawnedAt = performance.now();
  #out: FrameWriter;
  #stderrTail = '';

  constructor(opts: WorkerSpawnOptions, events: WorkerEvents) {
    const entry = workerEntry();
    if (!fs.existsSync(entry.file)) throw new Error(`worker entry not found: ${entry.file} (run npm run build)`);
    this.child = spawn(
      process.execPath,
      ['--no-node-snapshot', ...opts.v8Flags, ...entry.execArgv, entry.file],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const channel = this.child.stdio[3] as Duplex;
    this.#out = new FrameWriter(channel);
    readFrames(
      channel,
      (h, body) => events.onFrame(this, h, body),
      () => this.kill('malformed frame'),
    );
    channel.on('error', () => {
      /* the close event reports the end */
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (s: string) => {
      this.#stderrTail = (this.#stderrTail + s).slice(-8192);
    });
    this.child.on('close', (code, signal) => {
      this.closed = true;
      this.ready = false;
      events.onClose(this, this.killedFor ?? `exited (${signal ?? `code ${code}`})`);
    });
    this.#out.send({ t: 'init', maxTenants: opts.maxTenants, maxReuseContexts: opts.maxReuseContexts }, opts.modulesJson);
  }

  get stderrTail(): string {
    return this.#stderrTail;
  }

  /** True when the worker died of V8 running out of heap (a guest's allocation too big to stop). */
  get diedOfMemory(): boolean {
    return /out of memory|heap limit|allocation failed|invalid array length|OOM/i.test(this.#stderrTail);
  }

  send(header: Header, body = ''): void {
    if (!this.closed) this.#out.send(header, body);
  }

  /** Sends a header that is already JSON text. */
  sendRaw(headerJson: string, body = ''): void {
    if (!this.closed) this.#out.sendRaw(headerJson, body);
  }

  kill(reason: string): void {
    if (this.closed) return;
    this.killedFor ??= reason;
    this.ready = false;
    this.child.kill('SIGKILL');
  }
}
