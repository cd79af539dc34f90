/**
 * A routing script's output must keep the structure of its input (PRODUCT.md §6.1): the switch
 * applies it to a live call, so an output that breaks it is never passed on. Rules:
 * - it is the call's data: an object with a `routing` object;
 * - `routing.cli`, `routing.dest_number` and `routing.egress_routing` are not removed;
 * - a field present in the input keeps its type (a null in the input may become anything); in the
 *   route list, a field keeps the type it has in the input's routes;
 * - every route is well formed: `gw` maps gateway ids to gateway objects (at least one; `cli` and
 *   `ip` strings, `port` an integer 1–65535 when present); header lists are `[{key, value}]` with
 *   header names and values that cannot break a SIP message; `remove_headers` is `[{key}]`.
 *
 * `validateOutput` returns the first problem, as "path: what is wrong", or null.
 */
type Obj = Record<string, unknown>;

const REQUIRED = ['cli', 'dest_number', 'egress_routing'];
/** Checked by their own rules, not by type alone. */
const SKIP = new Set(['routing.egress_routing', 'routing.headers', 'routing.remove_headers']);
const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
const BAD_VALUE = /[\r\n\0]/;

export function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}
const isObject = (v: unknown): v is Obj => kind(v) === 'object';
const a = (k: string) => (k === 'array' || k === 'object' || k === 'undefined' ? `an ${k}` : `a ${k}`);

/** A path segment: `.name`, or `["odd key"]` for keys that are not plain names or numbers. */
export function seg(key: string): string {
  return /^[A-Za-z_$0-9][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

export function validateOutput(input: Obj, output: unknown): string | null {
  if (!isObject(output)) return `the result: must be the call's data (an object with 'routing'), not ${a(kind(output))}`;
  if (!isObject(output.routing)) return `routing: must be an object, not ${a(kind(output.routing))}`;
  const inRouting = isObject(input.routing) ? input.routing : {};
  for (const f of REQUIRED) {
    if (f in inRouting && !(f in output.routing)) return `routing.${f}: is required and was removed`;
  }
  return (
    sameTypes(input, output, [], SKIP) ??
    headerList(output.routing.headers, 'routing.headers', true) ??
    headerList(output.routing.remove_headers, 'routing.remove_headers', false) ??
    routes(inRouting.egress_routing, output.routing.egress_routing)
  );
}

/**
 * Fields of `before` keep their type in `after`, recursively (paths in `skip` are checked elsewhere).
 * The path is a list of keys, spelled out only for a problem (this runs on every call).
 */
function sameTypes(before: unknown, after: unknown, path: string[], skip: Set<string>): string | null {
  const k0 = kind(before);
  if (k0 === 'null' || after === undefined) return null;
  const k1 = kind(after);
  if (k0 !== k1) return `${spell(path) || 'the result'}: was ${a(k0)}, is now ${a(k1)}`;
  if (k0 !== 'object') return null;
  const b = before as Obj;
  const o = after as Obj;
  for (const key in b) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) continue;
    path.push(key);
    const bad = path.length === 2 && skip.has(`${path[0]}.${key}`) ? null : sameTypes(b[key], o[key], path, skip);
    path.pop();
    if (bad) return bad;
  }
  return null;
}

function spell(path: string[]): string {
  return path.map(seg).join('').replace(/^\./, '');
}

function headerList(v: unknown, path: string, withValue: boolean): string | null {
  if (v === undefined) return null;
  if (!Array.isArray(v)) return `${path}: must be a list of ${withValue ? '{key, value}' : '{key}'}, not ${a(kind(v))}`;
  for (let i = 0; i < v.length; i++) {
    const h = v[i] as unknown;
    const p = `${path}[${i}]`;
    if (!isObject(h)) return `${p}: must be ${withValue ? '{key, value}' : '{key}'}, not ${a(kind(h))}`;
    if (typeof h.key !== 'string' || !TOKEN.test(h.key)) return `${p}.key: must be a header name (letters, digits, '-'...), not ${JSON.stringify(h.key)}`;
    if (withValue) {
      if (typeof h.value !== 'string') return `${p}.value: must be a string, not ${a(kind(h.value))}`;
      if (BAD_VALUE.test(h.value) || h.value.length > 1024) return `${p}.value: may not contain line breaks or be longer than 1024 characters`;
    }
  }
  return null;
}

function routes(before: unknown, after: unknown): string | null {
  const path = 'routing.egress_routing';
  if (after === undefined) return null;
  if (!Array.isArray(after)) return `${path}: must be a list of routes, not ${a(kind(after))}`;
  // The type each route field has in the input's routes (the first non-null one seen).
  const types = new Map<string, unknown>();
  for (const r of Array.isArray(before) ? before : []) {
    if (isObject(r)) for (const [k, v] of Object.entries(r)) if (v !== null && !types.has(k)) types.set(k, v);
  }
  for (let i = 0; i < after.length; i++) {
    const r = after[i] as unknown;
    const p = `${path}[${i}]`;
    if (!isObject(r)) return `${p}: must be a route object, not ${a(kind(r))}`;
    for (const [k, v] of Object.entries(r)) {
      if (k === 'gw' || k === 'headers' || k === 'remove_headers' || !types.has(k)) continue;
      const bad = sameTypes(types.get(k), v, [k], SKIP);
      if (bad) return `${p}.${bad}`;
    }
    const bad = gateways(r.gw, `${p}.gw`) ?? headerList(r.headers, `${p}.headers`, true) ?? headerList(r.remove_headers, `${p}.remove_headers`, false);
    if (bad) return bad;
  }
  return null;
}

function gateways(gw: unknown, path: string): string | null {
  if (!isObject(gw)) return `${path}: every route needs its gateways, { <gateway id>: { cli, ip, port } }, not ${a(kind(gw))}`;
  const ids = Object.keys(gw);
  if (ids.length === 0) return `${path}: a route needs at least one gateway`;
  for (const id of ids) {
    const g = gw[id];
    const p = `${path}${seg(id)}`;
    if (!isObject(g)) return `${p}: must be a gateway object, not ${a(kind(g))}`;
    for (const f of ['cli', 'ip']) {
      if (g[f] !== undefined && typeof g[f] !== 'string') return `${p}.${f}: must be a string, not ${a(kind(g[f]))}`;
      if (typeof g[f] === 'string' && BAD_VALUE.test(g[f])) return `${p}.${f}: may not contain line breaks`;
    }
    if (g.port !== undefined && !(Number.isInteger(g.port) && (g.port as number) >= 1 && (g.port as number) <= 65535)) {
      return `${p}.port: must be a port number (1-65535), not ${JSON.stringify(g.port)}`;
    }
  }
  return null;
}
