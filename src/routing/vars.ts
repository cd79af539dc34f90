/**
 * Variables configured on a customer or route arrive with the call as `vars`, a TOML string (as
 * operators write them) or an object, and are merged into the call's data:
 * `[schedule] week = "9-21"` becomes `data.schedule.week`. They may not touch `routing`.
 */
import { parse, TomlError } from 'smol-toml';

/** Bad input: `field` is where (body.vars), the message names the line for TOML. */
export class RoutingInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The variables as an object; throws RoutingInputError for TOML that does not parse. */
export function parseVars(vars: unknown): Obj {
  if (vars === undefined || vars === null) return {};
  if (typeof vars === 'string') {
    try {
      // Through JSON: TOML dates become ISO strings, as the script will see them anyway.
      return JSON.parse(JSON.stringify(parse(vars))) as Obj;
    } catch (err) {
      if (err instanceof TomlError) {
        const first = err.message.split('\n')[0].replace(/^Invalid TOML document:\s*/, '');
        throw new RoutingInputError('body.vars', `vars is not valid TOML: line ${err.line}, column ${err.column}: ${first}`);
      }
      throw err;
    }
  }
  if (isObject(vars)) return vars;
  throw new RoutingInputError('body.vars', 'vars must be a TOML string or an object');
}

/** `data` with the variables merged in (objects merged key by key, the variables winning). */
export function mergeVars(data: Obj, vars: unknown): Obj {
  const v = parseVars(vars);
  if ('routing' in v) throw new RoutingInputError('body.vars', "vars may not set 'routing': it is the call's routing, from the switch");
  return merge(data, v);
}

function merge(into: Obj, from: Obj): Obj {
  const out: Obj = { ...into };
  for (const [k, v] of Object.entries(from)) {
    if (k === '__proto__') continue;
    out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Obj, v) : v;
  }
  return out;
}
