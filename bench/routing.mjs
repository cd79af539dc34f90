/**
 * The routing endpoint under load (QUALITY.md): autocannon, 50 connections with keep-alive, posting
 * the typical Class 4 call to POST /api/v1/routing/{id} of a real server, side by side in the same
 * run with a bare Fastify route echoing the same body. Each server runs in a process of its own;
 * they are measured in turn (bare, engine, ScriptForge, twice) and each one's better round kept.
 * `engine` is the design's floor: one supervised engine call per request and nothing else (see
 * routing-server.mjs). Every ScriptForge answer is checked (action continue, the CLI rewritten).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { INPUT, NEW_CLI } from './workload.mjs';

function start(mode) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', fileURLToPath(new URL('./routing-server.mjs', import.meta.url)), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ child, ...JSON.parse(line) });
    });
    child.on('exit', (code) => reject(new Error(`${mode} server exited (${code})`)));
  });
}

async function load(target, durationSec) {
  const headers = { 'content-type': 'application/json', ...(target.key ? { authorization: `Bearer ${target.key}` } : {}) };
  // One checked answer before the load: the body is what the switch would apply.
  const check = await fetch(target.url, { method: 'POST', headers, body: INPUT });
  const answer = await check.json();
  if (target.key && (answer.action !== 'continue' || answer.data.routing.cli !== NEW_CLI)) throw new Error(`unexpected routing answer: ${JSON.stringify(answer).slice(0, 300)}`);
  let bad = 0;
  const r = await autocannon({
    url: target.url, method: 'POST', headers, body: INPUT, connections: 50, pipelining: 1, duration: durationSec,
    setupClient: (client) => client.on('response', (status) => { if (status !== 200) bad++; }),
  });
  return { perSec: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx + bad, errors: r.errors, timeouts: r.timeouts };
}

export async function benchRouting(progress, { durationSec = 5 } = {}) {
  const bare = await start('bare');
  const floor = await start('engine');
  const sf = await start('scriptforge');
  try {
    const runs = { bare: [], engine: [], scriptforge: [] };
    for (let round = 0; round < 2; round++) {
      for (const [name, target] of [['bare', bare], ['engine', floor], ['scriptforge', sf]]) {
        progress(`routing over HTTP: ${name}, 50 connections, ${durationSec} s (round ${round + 1})`);
        await load(target, 1); // warm-up
        runs[name].push(await load(target, durationSec));
      }
    }
    const best = (rs) => rs.reduce((a, b) => (b.perSec > a.perSec ? b : a));
    const b = best(runs.bare);
    const s = best(runs.scriptforge);
    const e = best(runs.engine);
    return { connections: 50, durationSec, bare: b, engine: e, engineRatio: e.perSec / b.perSec, scriptforge: s, ratio: s.perSec / b.perSec, rounds: runs };
  } finally {
    bare.child.kill('SIGTERM');
    floor.child.kill('SIGTERM');
    sf.child.kill('SIGTERM');
  }
}
