/**
 * Driver results checked against the shapes of PRODUCT.md §6.4, so that a wrong shape is caught
 * where it is made, with the method and the field named, rather than deep in number provisioning.
 *
 *   search({number}) → [{did, ...}]   allocate({did}) → {...}   release({did}) → boolean
 *   list() → [{did, ...}]             alert({type, message, data}) → anything (alert drivers)
 *
 * Other methods are not checked.
 */

/** The methods whose results are checked, and what each must return (for messages). */
export const DRIVER_SHAPES: Readonly<Record<string, string>> = Object.freeze({
  search: 'an array of {did}',
  allocate: 'an object',
  release: 'a boolean',
  list: 'an array of {did}',
});

/** What a value is, in the words of an error message: "a number", "null", "an array"... */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v === '' ? 'an empty string' : 'a string';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

export interface DriverResultProblem {
  method: string;
  /** Where the fault is: `result`, `result[2]`, `result[2].did`. */
  field: string;
  /** e.g. "search() must return an array of {did}: result[2].did is a number". */
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function didList(v: unknown): { field: string; is: string } | null {
  if (!Array.isArray(v)) return { field: 'result', is: kindOf(v) };
  for (let i = 0; i < v.length; i++) {
    const item: unknown = v[i];
    if (!isObject(item)) return { field: `result[${i}]`, is: kindOf(item) };
    if (!Object.prototype.hasOwnProperty.call(item, 'did')) return { field: `result[${i}].did`, is: 'missing' };
    const did = item.did;
    if (typeof did !== 'string' || did === '') return { field: `result[${i}].did`, is: kindOf(did) };
  }
  return null;
}

const CHECKS: Record<string, (v: unknown) => { field: string; is: string } | null> = {
  search: didList,
  list: didList,
  allocate: (v) => (isObject(v) ? null : { field: 'result', is: kindOf(v) }),
  release: (v) => (typeof v === 'boolean' ? null : { field: 'result', is: kindOf(v) }),
};

/** The problem with a driver method's result (already parsed from JSON), or null when it fits. */
export function checkDriverResult(method: string, result: unknown): DriverResultProblem | null {
  const check = Object.prototype.hasOwnProperty.call(CHECKS, method) ? CHECKS[method] : undefined;
  if (!check) return null;
  const bad = check(result);
  if (!bad) return null;
  const hint = bad.field === 'result' && result === null ? ' (did the function return nothing?)' : '';
  return { method, field: bad.field, message: `${method}() must return ${DRIVER_SHAPES[method]}: ${bad.field} is ${bad.is}${hint}` };
}
