/**
 * `npm run bench` (`-- --json` for one JSON object on stdout): the typical Class 4 routing script
 * through ScriptForge's production execution path, side by side in the same run with the original
 * platform's sandbox library running the same script. See README.md in this folder.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Engine, coldStart, latency, prepareScript, throughput } from './engine.mjs';
import { benchModules } from './modules.mjs';
import { benchRouting } from './routing.mjs';
import { benchVoice } from './voice.mjs';
import { anchorCode, benchQuickJs } from './quickjs.mjs';
import { fmtMs, fmtRate, round, table } from './stats.mjs';
import { INPUT, ROUTING_BYTES, ROUTING_SCRIPT, checkResult } from './workload.mjs';

const JSON_OUT = process.argv.includes('--json');
const progress = (msg) => process.stderr.write(`bench: ${msg}\n`);
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const env = {
  node: process.version,
  platform: `${os.platform()} ${os.arch()}`,
  cpus: os.availableParallelism(),
  cpuModel: os.cpus()[0]?.model ?? '',
  loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
  date: new Date().toISOString(),
};

// --- 1. the anchor ---------------------------------------------------------------------------------
progress('anchor: @sebastianwessel/quickjs, a fresh sandbox per run, sequential');
const anchor = await benchQuickJs({ code: anchorCode(ROUTING_SCRIPT, INPUT), check: checkResult, warmup: 20, runs: 300, maxMs: 8000 });

// --- 2. ScriptForge: latency and throughput -----------------------------------------------------------
const engine = new Engine();
await engine.start();
const workers = (await engine.stats()).workers.length;
const script = prepareScript(ROUTING_SCRIPT, 'bench-tenant');
const sf = { latency: {}, throughput: {} };
for (const isolation of ['fresh', 'reuse']) {
  progress(`scriptforge ${isolation}: sequential latency`);
  sf.latency[isolation] = await latency(engine, script, isolation);
  progress(`scriptforge ${isolation}: 64 in flight for 3 s`);
  sf.throughput[isolation] = await throughput(engine, script, isolation, { concurrency: 64, durationMs: 3000 });
}

// --- 3. cold start of a new version --------------------------------------------------------------------
progress('cold start: first run of new versions');
const cold = {
  fresh: await coldStart(engine, { n: 40, isolation: 'fresh', tag: 'f' }),
  reuse: await coldStart(engine, { n: 40, isolation: 'reuse', tag: 'r' }),
  newTenant: await coldStart(engine, { n: 40, isolation: 'fresh', newTenant: true, tag: 't' }),
};
const restarts = engine.restarts;
await engine.close();

// --- 4. what modules cost -----------------------------------------------------------------------------
const modules = await benchModules(progress);

// --- 5. the routing endpoint over HTTP, against a bare Fastify route ------------------------------------
const routingHttp = await benchRouting(progress);

// --- 5b. Class 5 voice over SIP: answer to the wire, RTP jitter of 50 concurrent calls ---------------------
let voice;
try {
  voice = await benchVoice(progress);
} catch (err) {
  progress(`voice: failed (${err.message}); sipp is not needed, espeak-ng is`);
  voice = { failed: err.message };
}

// --- 6. memory with 1,000 warm scripts (each case in a process of its own) ---------------------------
const memoryCases = [
  { scripts: 1000, tenants: 100, isolation: 'reuse' },
  { scripts: 1000, tenants: 100, isolation: 'fresh' },
  { scripts: 1000, tenants: 1000, isolation: 'reuse' },
  { scripts: 1000, tenants: 1000, isolation: 'fresh' },
];
const memory = [];
for (const c of memoryCases) {
  progress(`memory: ${c.scripts} scripts over ${c.tenants} tenants, ${c.isolation}`);
  memory.push(await memoryChild(c, 60_000));
}

function memoryChild({ scripts, tenants, isolation }, timeoutMs) {
  return new Promise((resolve) => {
    const file = fileURLToPath(new URL('./memory.mjs', import.meta.url));
    const child = spawn(process.execPath, ['--no-node-snapshot', file, String(scripts), String(tenants), isolation], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out));
      } catch {
        resolve({ scripts, tenants, isolation, failed: signal ? `killed after ${timeoutMs} ms` : `exit ${code}` });
      }
    });
  });
}

// --- results --------------------------------------------------------------------------------------
const ratio = (isolation) => sf.throughput[isolation].perSec / anchor.perSec;
const targets = [
  { name: 'fresh: throughput vs anchor', target: '>= 20x', value: round(ratio('fresh'), 1), pass: ratio('fresh') >= 20 },
  { name: 'fresh: sequential p50', target: '<= 0.5 ms', value: sf.latency.fresh.p50, pass: sf.latency.fresh.p50 <= 0.5 },
  { name: 'reuse: throughput vs anchor', target: '>= 100x', value: round(ratio('reuse'), 1), pass: ratio('reuse') >= 100 },
  { name: 'reuse: sequential p50', target: '<= 0.1 ms', value: sf.latency.reuse.p50, pass: sf.latency.reuse.p50 <= 0.1 },
  { name: 'cold start (new version, fresh): p50', target: '<= 20 ms', value: cold.fresh.p50, pass: cold.fresh.p50 <= 20 },
  { name: 'routing over HTTP: requests/s vs bare route', target: '>= 50%', value: round(routingHttp.ratio * 100, 1), unit: '%', pass: routingHttp.ratio >= 0.5 },
  { name: 'routing over HTTP: p99', target: '<= 10 ms', value: routingHttp.scriptforge.p99, unit: 'ms', pass: routingHttp.scriptforge.p99 <= 10 },
  ...memory.map((m) => ({
    name: `memory: ${m.scripts} warm scripts / ${m.tenants} tenants (${m.isolation}): total RSS`,
    target: '<= 1 GiB',
    value: m.warm ? round(m.warm.total / MiB, 0) : null,
    unit: 'MiB',
    pass: m.warm ? m.warm.total <= GiB : false,
  })),
];
const voiceTargets = {
  answer: { name: 'voice: ctx.answer() to the 200 OK on the wire, p99', target: '<= 5 ms', value: voice.answer?.toWire.p99 ?? null, unit: 'ms', pass: !voice.failed && voice.answer.toWire.p99 <= 5 },
  jitter: {
    name: `voice: ${voice.concurrent?.calls ?? 50} concurrent calls playing audio, RTP send jitter p99`, target: '<= 5 ms', value: voice.concurrent?.jitter.p99 ?? null, unit: 'ms',
    pass: !voice.failed && voice.concurrent.failed === 0 && voice.concurrent.jitter.p99 <= 5,
  },
};
targets.push(voiceTargets.answer, voiceTargets.jitter);

const result = {
  env: { ...env, workers },
  workload: { routingBytes: ROUTING_BYTES, inputBytes: INPUT.length, routes: 5 },
  anchor: { library: '@sebastianwessel/quickjs + @jitl/quickjs-ng-wasmfile-release-sync', mode: 'fresh sandbox per run, sequential', ...anchor },
  scriptforge: sf,
  ratios: {
    freshThroughput: round(ratio('fresh'), 2),
    reuseThroughput: round(ratio('reuse'), 2),
    freshSequentialP50: round(anchor.p50 / sf.latency.fresh.p50, 1),
    reuseSequentialP50: round(anchor.p50 / sf.latency.reuse.p50, 1),
  },
  coldStart: cold,
  modules,
  routingHttp,
  voice,
  memory,
  workerRestarts: restarts,
  targets,
};

if (JSON_OUT) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  process.stdout.write(render(result));
}

function render(r) {
  const yes = (b) => (b ? 'PASS' : 'FAIL');
  const x = (v) => `${v >= 10 ? v.toFixed(0) : v.toFixed(1)}×`;
  const a = r.anchor;
  const t = r.scriptforge.throughput;
  const l = r.scriptforge.latency;
  const perf = [
    ['', 'exec/s', 'vs anchor', 'p50', 'p99', 'in worker p50', 'target', ''],
    ['anchor: quickjs, fresh sandbox per run, 1 at a time', fmtRate(a.perSec), '1×', fmtMs(a.p50), fmtMs(a.p99), '', '', ''],
    ['ScriptForge fresh, 1 at a time', fmtRate(l.fresh.perSec), x(l.fresh.perSec / a.perSec), fmtMs(l.fresh.p50), fmtMs(l.fresh.p99), fmtMs(l.fresh.inWorker.p50), 'p50 ≤ 0.5 ms', yes(targets[1].pass)],
    [`ScriptForge fresh, ${t.fresh.concurrency} in flight`, fmtRate(t.fresh.perSec), x(r.ratios.freshThroughput), fmtMs(t.fresh.p50), fmtMs(t.fresh.p99), '', '≥ 20× anchor', yes(targets[0].pass)],
    ['ScriptForge reuse, 1 at a time', fmtRate(l.reuse.perSec), x(l.reuse.perSec / a.perSec), fmtMs(l.reuse.p50), fmtMs(l.reuse.p99), fmtMs(l.reuse.inWorker.p50), 'p50 ≤ 0.1 ms', yes(targets[3].pass)],
    [`ScriptForge reuse, ${t.reuse.concurrency} in flight`, fmtRate(t.reuse.perSec), x(r.ratios.reuseThroughput), fmtMs(t.reuse.p50), fmtMs(t.reuse.p99), '', '≥ 100× anchor', yes(targets[2].pass)],
  ];
  const c = r.coldStart;
  const coldRows = [
    ['cold start: first execute() of a new version', 'n', 'p50', 'p99', 'prepare() p50', 'target', ''],
    ['new version, existing tenant, fresh', c.fresh.n, fmtMs(c.fresh.p50), fmtMs(c.fresh.p99), fmtMs(c.fresh.prepare.p50), 'p50 ≤ 20 ms', yes(targets[4].pass)],
    ['new version, existing tenant, reuse', c.reuse.n, fmtMs(c.reuse.p50), fmtMs(c.reuse.p99), fmtMs(c.reuse.prepare.p50), '', ''],
    ['new tenant (new isolate), fresh', c.newTenant.n, fmtMs(c.newTenant.p50), fmtMs(c.newTenant.p99), fmtMs(c.newTenant.prepare.p50), '', ''],
  ];
  const m = r.modules;
  const slow = (i) => m.routing.withModules[i].p50 / m.routing.withoutModules[i].p50;
  const modRows = [
    ['modules (fresh unless said)', 'p50', 'p99', 'note'],
    ['routing script, engine without modules, fresh', fmtMs(m.routing.withoutModules.fresh.p50), fmtMs(m.routing.withoutModules.fresh.p99), ''],
    ['routing script, engine with every module, fresh', fmtMs(m.routing.withModules.fresh.p50), fmtMs(m.routing.withModules.fresh.p99), `${slow('fresh').toFixed(2)}× the p50 without`],
    ['routing script, engine without modules, reuse', fmtMs(m.routing.withoutModules.reuse.p50), fmtMs(m.routing.withoutModules.reuse.p99), ''],
    ['routing script, engine with every module, reuse', fmtMs(m.routing.withModules.reuse.p50), fmtMs(m.routing.withModules.reuse.p99), `${slow('reuse').toFixed(2)}× the p50 without`],
    ['app returning at once', fmtMs(m.apps.empty.p50), fmtMs(m.apps.empty.p99), ''],
    ['app doing one kv.get (SQLite)', fmtMs(m.apps.kvGet.p50), fmtMs(m.apps.kvGet.p99), `round trip ≈ ${fmtMs(m.kvGetRoundTripMs)}`],
    ['app doing 100 kv.get in a loop', fmtMs(m.apps.kvGet100.p50), fmtMs(m.apps.kvGet100.p99), `≈ ${fmtMs(m.kvGetInLoopMs)} per kv.get`],
    ['app loading dayjs + utc + timezone', fmtMs(m.apps.dayjs.p50), fmtMs(m.apps.dayjs.p99), `load ≈ ${fmtMs(m.dayjsLoadMs)}`],
  ];
  const h = r.routingHttp;
  const httpRows = [
    [`HTTP, ${h.connections} connections, keep-alive, ${h.durationSec} s`, 'requests/s', 'vs bare', 'p50', 'p99', 'target', ''],
    ['bare Fastify route echoing the call', fmtRate(h.bare.perSec), '100%', `${h.bare.p50} ms`, `${h.bare.p99} ms`, '', ''],
    ['  the floor: that route making one engine call, nothing else', fmtRate(h.engine.perSec), `${(h.engineRatio * 100).toFixed(0)}%`, `${h.engine.p50} ms`, `${h.engine.p99} ms`, '', ''],
    ['POST /api/v1/routing/{id} (fresh)', fmtRate(h.scriptforge.perSec), `${(h.ratio * 100).toFixed(0)}%`, `${h.scriptforge.p50} ms`, `${h.scriptforge.p99} ms`, '≥ 50%, p99 ≤ 10 ms', yes(targets[5].pass && targets[6].pass)],
  ];
  const v = r.voice;
  const vrow = (label, d, target = '', pass = '') => [label, d.n, fmtMs(d.p50), fmtMs(d.p99), fmtMs(d.max), target, pass];
  const voiceRows = v.failed
    ? [['Class 5 voice over SIP', 'result'], ['did not run', v.failed]]
    : [
        ['Class 5 voice over SIP (real server, UDP caller on 127.0.0.3)', 'n', 'p50', 'p99', 'max', 'target', ''],
        vrow('ctx.answer() (timeline, whole ms) → 200 OK to the socket', v.answer.toWire, '≤ 5 ms', yes(voiceTargets.answer.pass)),
        vrow('  SIP call answer() → 200 OK to the socket', v.answer.backend),
        vrow('  at the caller: INVITE→200 minus the answer time (upper bound)', v.answer.seenByCaller),
        vrow(`${v.concurrent.calls} calls playing ivr/menu.wav at once: |RTP interval − 20 ms| received${v.concurrent.failed ? ` (${v.concurrent.failed} failed)` : ''}`, v.concurrent.jitter, 'p99 ≤ 5 ms', yes(voiceTargets.jitter.pass)),
        vrow('  in the server: each packet sent late against its 20 ms slot', v.concurrent.sendLate),
      ];
  const mib = (b) => `${(b / MiB).toFixed(0)} MiB`;
  const both = (b) => `${mib(b)} (${(b / 1e9).toFixed(2)} GB)`;
  const memRows = [
    ['memory: 1,000 scripts run once each', 'total RSS', 'supervisor', 'workers', 'idle total', 'per script', 'isolates', 'warm-up', 'target', ''],
    ...r.memory.map((m, i) =>
      m.warm
        ? [
            `${m.tenants} tenants, ${m.isolation}`,
            both(m.warm.total), mib(m.warm.supervisor), mib(m.warm.workers), mib(m.idle.total),
            `${(m.perScriptBytes / 1024).toFixed(0)} KiB`, m.warm.tenantsLive, `${m.warmSeconds.toFixed(1)} s`,
            '≤ 1 GiB', yes(targets[7 + i].pass),
          ]
        : [`${m.tenants} tenants, ${m.isolation}`, `did not finish (${m.failed})`, '', '', '', '', '', '', '≤ 1 GiB', 'FAIL'],
    ),
  ];
  const e = r.env;
  return [
    `ScriptForge bench — typical Class 4 routing script (data.routing ${r.workload.routingBytes} B, ${r.workload.routes} routes, CLI rewritten on every route)`,
    `${e.node}, ${e.platform}, ${e.cpus} cores (${e.cpuModel}), ${e.workers} workers; load average at start ${e.loadAverageAtStart.join(' ')}`,
    '',
    table(perf),
    '',
    table(coldRows),
    '',
    table(modRows),
    '',
    table(httpRows),
    '',
    table(voiceRows),
    '',
    table(memRows),
    '',
    `"vs anchor" is exec/s against the anchor measured in this run; anchor p50 ÷ ScriptForge p50, 1 at a time: fresh ${r.ratios.freshSequentialP50}×, reuse ${r.ratios.reuseSequentialP50}×.`,
    '"in worker" is the time the worker reports for the execution itself; the rest of p50 is the trip supervisor ↔ worker.',
    'Voice: answer figures over calls one at a time; jitter measured at the receiving sockets (a loaded machine adds its own).',
    'Memory: RSS of the supervisor plus all workers after each script ran once (1 GiB = 1024 MiB is the pass line; GB shown too).',
    `Worker restarts during the run: ${r.workerRestarts}. Targets met: ${targets.filter((t) => t.pass).length} of ${targets.length}.`,
    '',
  ].join('\n');
}
