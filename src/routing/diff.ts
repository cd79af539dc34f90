/**
 * What a routing script changed, readably: one entry per changed leaf, with its path
 * (`routing.egress_routing[0].gw.301.cli`). A field that was added has no `from`; one that was
 * removed has no `to`. Paths are only spelled out for what changed (this runs on every call).
 */
import { seg } from './validate.js';

export interface Change {
  path: string;
  from?: unknown;
  to?: unknown;
}

type Key = string | number;
type Obj = Record<string, unknown>;

export function diff(before: unknown, after: unknown): Change[] {
  const out: Change[] = [];
  walk(before, after, [], out);
  return out;
}

/** The path as text, without a leading dot. */
function spell(path: Key[]): string {
  let s = '';
  for (let i = 0; i < path.length; i++) {
    const k = path[i];
    s += typeof k === 'number' ? `[${k}]` : seg(k);
  }
  return s.charCodeAt(0) === 46 /* . */ ? s.slice(1) : s;
}

/** Same keys in the same order: the usual case (a script changes values, not structure). */
function sameKeys(x: string[], y: string[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function walk(b: unknown, a: unknown, path: Key[], out: Change[]): void {
  if (b === a) return;
  if (typeof b === 'object' && typeof a === 'object' && b !== null && a !== null) {
    const isList = Array.isArray(b);
    if (isList === Array.isArray(a)) {
      if (isList) walkArrays(b as unknown[], a as unknown[], path, out);
      else walkObjects(b as Obj, a as Obj, path, out);
      return;
    }
  }
  out.push({ path: spell(path), from: b, to: a });
}

/** Own keys only: `Object.keys` lists them in for...in order; `Object.hasOwn` for the rest. */
function walkObjects(bo: Obj, ao: Obj, path: Key[], out: Change[]): void {
  const bk = Object.keys(bo);
  const ak = Object.keys(ao);
  const same = sameKeys(bk, ak);
  for (const k of bk) {
    path.push(k);
    if (same || Object.hasOwn(ao, k)) walk(bo[k], ao[k], path, out);
    else out.push({ path: spell(path), from: bo[k] });
    path.pop();
  }
  if (same) return;
  for (const k of ak) {
    if (Object.hasOwn(bo, k)) continue;
    path.push(k);
    out.push({ path: spell(path), to: ao[k] });
    path.pop();
  }
}

function walkArrays(ba: unknown[], aa: unknown[], path: Key[], out: Change[]): void {
  const n = Math.max(ba.length, aa.length);
  for (let i = 0; i < n; i++) {
    path.push(i);
    if (i >= aa.length) out.push({ path: spell(path), from: ba[i] });
    else if (i >= ba.length) out.push({ path: spell(path), to: aa[i] });
    else walk(ba[i], aa[i], path, out);
    path.pop();
  }
}
