/**
 * What a routing script changed, readably: one entry per changed leaf, with its path
 * (`routing.egress_routing[0].gw.301.cli`). A field that was added has no `from`; one that was
 * removed has no `to`.
 */
import { kind, seg } from './validate.js';

export interface Change {
  path: string;
  from?: unknown;
  to?: unknown;
}

export function diff(before: unknown, after: unknown, path = ''): Change[] {
  const out: Change[] = [];
  walk(before, after, path, out);
  return out;
}

function walk(b: unknown, a: unknown, path: string, out: Change[]): void {
  const kb = kind(b);
  const ka = kind(a);
  if (kb === ka && kb === 'object') {
    const bo = b as Record<string, unknown>;
    const ao = a as Record<string, unknown>;
    for (const k of Object.keys(bo)) walkKey(bo, ao, k, `${path}${seg(k)}`, out);
    for (const k of Object.keys(ao)) if (!Object.prototype.hasOwnProperty.call(bo, k)) walkKey(bo, ao, k, `${path}${seg(k)}`, out);
    return;
  }
  if (kb === ka && kb === 'array') {
    const ba = b as unknown[];
    const aa = a as unknown[];
    for (let i = 0; i < Math.max(ba.length, aa.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= aa.length) out.push({ path: p.replace(/^\./, ''), from: ba[i] });
      else if (i >= ba.length) out.push({ path: p.replace(/^\./, ''), to: aa[i] });
      else walk(ba[i], aa[i], p, out);
    }
    return;
  }
  if (kb !== ka || b !== a) out.push({ path: path.replace(/^\./, ''), from: b, to: a });
}

function walkKey(b: Record<string, unknown>, a: Record<string, unknown>, k: string, path: string, out: Change[]): void {
  const p = path.replace(/^\./, '');
  if (!Object.prototype.hasOwnProperty.call(a, k)) out.push({ path: p, from: b[k] });
  else if (!Object.prototype.hasOwnProperty.call(b, k)) out.push({ path: p, to: a[k] });
  else walk(b[k], a[k], path, out);
}
