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
/** `routing.<key>` for these keys is checked by its own rules, not by type alone. */
const SKIP_IN_ROUTING = new Set(['egress_routing', 'headers', 'remove_headers']);
const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;
const BAD_VALUE = /[\r\n\0]/;

export function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}
const isObject = (v: unknown): v is Obj => kind(v) === 'object';
const a = (k: string) => (k === 'array' || k === 'object' || k === 'undefined' ? `an ${k}` : `a ${k}`);

/** A path segment: `.name`, or `["odd key"]` for keys that are not plain names or numbers. */
export function seg(key: string): string {
  return isName(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** `/^[A-Za-z_$0-9][\w$-]*$/`, by hand: this runs for every segment of every path spelled. */
function isName(key: string): boolean {
  if (key.length === 0) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36 || (c === 45 && i > 0);
    if (!ok) return false;
  }
  return true;
}

export function validateOutput(input: Obj, output: unknown): string | null {
  if (!isObject(output)) return `the result: must be the call's data (an object with 'routing'), not ${a(kind(output))}`;
  if (!isObject(output.routing)) return `routing: must be an object, not ${a(kind(output.routing))}`;
  const inRouting = isObject(input.routing) ? input.routing : {};
  for (const f of REQUIRED) {
    if (Object.hasOwn(inRouting, f) && !Object.hasOwn(output.routing, f)) return `routing.${f}: is required and was removed`;
  }
  return (
    sameTypes(input, output, []) ??
    headerList(output.routing.headers, 'routing.headers', true) ??
    headerList(output.routing.remove_headers, 'routing.remove_headers', false) ??
    routes(inRouting.egress_routing, output.routing.egress_routing)
  );
}

/** `kind(x) === kind(y)`, without building either (`x` is not null). */
function sameKind(x: unknown, y: unknown): boolean {
  if (typeof x !== typeof y) return false;
  return typeof x !== 'object' || (y !== null && Array.isArray(x) === Array.isArray(y));
}

/** `o[key]` if it is `o`'s own property: inherited ones are never read. */
const own = (o: Obj, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);

/**
 * Fields of `before` keep their type in `after`, recursively (`routing.<SKIP_IN_ROUTING>` are checked elsewhere).
 * Only own fields count: a field `after` inherits (`constructor`, `__proto__`...) is never read.
 * The path is a list of keys, spelled out only for a problem (this runs on every call).
 */
function sameTypes(before: unknown, after: unknown, path: string[]): string | null {
  if (before === null || after === undefined) return null;
  if (!sameKind(before, after)) return `${spell(path) || 'the result'}: was ${a(kind(before))}, is now ${a(kind(after))}`;
  if (typeof before !== 'object' || Array.isArray(before)) return null;
  const b = before as Obj;
  const o = after as Obj;
  const keys = Object.keys(b);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (path.length === 1 && path[0] === 'routing' && SKIP_IN_ROUTING.has(key)) continue;
    path.push(key);
    const bad = sameTypes(b[key], own(o, key), path);
    path.pop();
    if (bad) return bad;
  }
  return null;
}

function spell(path: string[]): string {
  return path.map(seg).join('').replace(/^\./, '');
}

/** `withValue`: `[{key, value}]`, else `[{key}]`. Paths are spelled only for a problem. */
function headerList(v: unknown, path: string, withValue: boolean): string | null {
  if (v === undefined) return null;
  if (!Array.isArray(v)) return `${path}: must be a list of ${withValue ? '{key, value}' : '{key}'}, not ${a(kind(v))}`;
  for (let i = 0; i < v.length; i++) {
    const bad = header(v[i], withValue);
    if (bad) return `${path}[${i}]${bad}`;
  }
  return null;
}

/** One header's problem, after its path (`.key: ...`), or null. */
function header(h: unknown, withValue: boolean): string | null {
  if (!isObject(h)) return `: must be ${withValue ? '{key, value}' : '{key}'}, not ${a(kind(h))}`;
  const key = h.key;
  if (typeof key !== 'string' || !TOKEN.test(key)) return `.key: must be a header name (letters, digits, '-'...), not ${JSON.stringify(key)}`;
  if (!withValue) return null;
  const value = h.value;
  if (typeof value !== 'string') return `.value: must be a string, not ${a(kind(value))}`;
  if (value.length > 1024 || BAD_VALUE.test(value)) return `.value: may not contain line breaks or be longer than 1024 characters`;
  return null;
}

function routes(before: unknown, after: unknown): string | null {
  const path = 'routing.egress_routing';
  if (after === undefined) return null;
  if (!Array.isArray(after)) return `${path}: must be a list of routes, not ${a(kind(after))}`;
  const inRoutes = Array.isArray(before) ? before : [];
  for (let i = 0; i < after.length; i++) {
    const bad = route(after[i], inRoutes);
    if (bad) return `${path}[${i}]${bad}`;
  }
  return null;
}

/**
 * What a route field is in the input's routes: its first non-null value there, or undefined if none
 * has it (usually found in the first route, so cheaper than indexing all of them first).
 */
function inputField(inRoutes: unknown[], k: string): unknown {
  for (const r of inRoutes) {
    if (isObject(r) && Object.hasOwn(r, k) && r[k] !== null) return r[k];
  }
  return undefined;
}

/** One route's problem, after its path (`.rate: ...`), or null. */
function route(r: unknown, inRoutes: unknown[]): string | null {
  if (!isObject(r)) return `: must be a route object, not ${a(kind(r))}`;
  const path: string[] = [];
  for (const k of Object.keys(r)) {
    if (k === 'gw' || k === 'headers' || k === 'remove_headers') continue;
    const was = inputField(inRoutes, k);
    if (was === undefined) continue;
    path.push(k);
    const bad = sameTypes(was, r[k], path);
    path.pop();
    if (bad) return `.${bad}`;
  }
  return (
    gateways(r.gw) ??
    prefixed('.headers', headerList(r.headers, '', true)) ??
    prefixed('.remove_headers', headerList(r.remove_headers, '', false))
  );
}

const prefixed = (p: string, bad: string | null) => (bad === null ? null : p + bad);

/** The route's gateways' problem, after the route's path (`.gw.301.port: ...`), or null. */
function gateways(gw: unknown): string | null {
  if (!isObject(gw)) return `.gw: every route needs its gateways, { <gateway id>: { cli, ip, port } }, not ${a(kind(gw))}`;
  const ids = Object.keys(gw);
  if (ids.length === 0) return `.gw: a route needs at least one gateway`;
  for (const id of ids) {
    const bad = gateway(gw[id]);
    if (bad) return `.gw${seg(id)}${bad}`;
  }
  return null;
}

/** One gateway's problem, after its path (`.port: ...`), or null. */
function gateway(g: unknown): string | null {
  if (!isObject(g)) return `: must be a gateway object, not ${a(kind(g))}`;
  const bad = gatewayString(g.cli, 'cli') ?? gatewayString(g.ip, 'ip');
  if (bad) return bad;
  const port = g.port;
  if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)) {
    return `.port: must be a port number (1-65535), not ${JSON.stringify(port)}`;
  }
  return null;
}

function gatewayString(v: unknown, f: string): string | null {
  if (v === undefined) return null;
  if (typeof v !== 'string') return `.${f}: must be a string, not ${a(kind(v))}`;
  return BAD_VALUE.test(v) ? `.${f}: may not contain line breaks` : null;
}
