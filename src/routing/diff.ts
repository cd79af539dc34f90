/**
 * What a routing script changed, readably: one entry per changed leaf, with its path
 * (`routing.egress_routing[0].gw.301.cli`). A field that was added has no `from`; one that was
 * removed has no `to`. Paths are only spelled out for what changed (this runs on every call).
 */
import { kind, seg } from './validate.js';

export interface Change {
  path: string;
  from?: unknown;
  to?: unknown;
}

type Key = string | number;

export function diff(before: unknown, after: unknown): Change[] {
  const out: Change[] = [];
  walk(before, after, [], out);
  return out;
}

function spell(path: Key[]): string {
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : seg(k);
  return s.replace(/^\./, '');
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function walk(b: unknown, a: unknown, path: Key[], out: Change[]): void {
  if (b === a) return;
  const kb = kind(b);
  const ka = kind(a);
  if (kb === 'object' && ka === 'object') {
    const bo = b as Record<string, unknown>;
    const ao = a as Record<string, unknown>;
    for (const k in bo) {
      if (!has(bo, k)) continue;
      path.push(k);
      if (!has(ao, k)) out.push({ path: spell(path), from: bo[k] });
      else walk(bo[k], ao[k], path, out);
      path.pop();
    }
    for (const k in ao) {
      if (has(ao, k) && !has(bo, k)) out.push({ path: spell([...path, k]), to: ao[k] });
    }
    return;
  }
  if (kb === 'array' && ka === 'array') {
    const ba = b as unknown[];
    const aa = a as unknown[];
    for (let i = 0; i < Math.max(ba.length, aa.length); i++) {
      path.push(i);
      if (i >= aa.length) out.push({ path: spell(path), from: ba[i] });
      else if (i >= ba.length) out.push({ path: spell(path), to: aa[i] });
      else walk(ba[i], aa[i], path, out);
      path.pop();
    }
    return;
  }
  if (kb !== ka || b !== a) out.push({ path: spell(path), from: b, to: a });
}
