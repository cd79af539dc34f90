/** Human-readable output of `scriptforge run`: logs, then the result or the error at its line. */
import type { Envelope } from '../runtime/index.js';

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, s: string) => (useColor ? `\x1b[${code}m${s}\x1b[0m` : s);
const dim = (s: string) => paint(2, s);
const red = (s: string) => paint(31, s);
const green = (s: string) => paint(32, s);
const yellow = (s: string) => paint(33, s);

export function printHuman(e: Envelope, ctx: { code: string; file: string; type: string; fn: string }): void {
  const out: string[] = [];
  const t0 = e.logs[0]?.ts ?? 0;
  for (const l of e.logs) {
    const level = l.level.padEnd(5);
    const tag = l.level === 'error' ? red(level) : l.level === 'warn' ? yellow(level) : dim(level);
    out.push(`${dim(`+${String(l.ts - t0).padStart(4)}ms`)} ${tag} ${l.message}`);
  }
  const timing = dim(`(${ctx.type} ${ctx.fn}(), cpu ${e.cpuMs.toFixed(2)} ms, wall ${e.wallMs.toFixed(2)} ms)`);
  if (e.ok) {
    out.push(JSON.stringify(e.result, null, 2) ?? 'undefined');
    out.push(`${green('ok')} ${timing}`);
  } else {
    const err = e.error;
    out.push(`${red(`${err.name}: ${err.message}`)} ${dim(`[${err.code}]`)}`);
    if (err.sipCode !== undefined) out.push(`  SIP ${err.sipCode} ${err.reason ?? ''}`);
    if (err.line !== undefined) {
      const lines = ctx.code.split('\n');
      const src = lines[err.line - 1];
      out.push(`  at ${ctx.file}:${err.line}:${err.column ?? 1}`);
      if (src !== undefined) {
        out.push(`  ${dim(String(err.line).padStart(4) + ' |')} ${src}`);
        out.push(`  ${' '.repeat(6)} ${' '.repeat(Math.max(0, (err.column ?? 1) - 1))}${red('^')}`);
      }
    }
    out.push(`${red('failed')} ${timing}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}
