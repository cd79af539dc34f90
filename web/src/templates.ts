/**
 * What a new script starts from: the customer examples in examples/ (the same files the tests run
 * unchanged), with the JSDoc that types main's parameters added.
 */
import type { ScriptType } from './api.js';
import { addTypeHints } from './analyze.js';
import stripPrefix from '../../examples/c4-strip-prefix.js?raw';
import addHeaders from '../../examples/c4-add-headers.js?raw';
import dnc from '../../examples/c4-dnc-userspace.js?raw';
import velocity from '../../examples/c4-fraud-velocity.js?raw';
import businessHours from '../../examples/c4-business-hours.js?raw';
import form from '../../examples/form-contact.js?raw';
import driver from '../../examples/did-driver.js?raw';
import menu from '../../examples/c5-menu.js?raw';
import routingSample from '../../examples/routing-sample.json?raw';

export { routingSample };

export interface Template {
  id: string;
  label: string;
  type: ScriptType;
  /** What it shows, one line. */
  about: string;
  code: string;
  /** Sample data for the run panel. */
  data: string;
  /** A routing call for the Routing panel (default: examples/routing-sample.json). */
  call?: string;
}

/** The sample call dialled with a 9 prefix, and the account's main number as a variable. */
const prefixedCall = routingSample.replace('"dest_number": "', '"dest_number": "9').replace(/^\{/, '{\n  "main_number": "441632960999",');

const hinted = (code: string) => addTypeHints(code)?.code ?? code;

const BLANK_APP = `// An app: async, may use the platform modules (cxKV, cxUserspace...), fetch and timers.
const { kv } = require('cxKV');

async function main(data) {
  console.log('called with', JSON.stringify(data));
  const seen = Number(await kv.get('seen')) + 1;
  await kv.set('seen', String(seen));
  return { seen };
}
`;

const BLANK_SCRIPT = `// A script: synchronous and the fastest path, plain JavaScript (no modules, no timers).
function main(data) {
  console.log('routing', data.routing.cli, '->', data.routing.dest_number);
  return data;
}
`;

export const TEMPLATES: Template[] = [
  { id: 'strip-prefix', label: 'Class 4: strip a dialling prefix', type: 'script', about: 'Rewrite the destination and every route’s gateway CLI', code: hinted(stripPrefix), data: prefixedCall, call: prefixedCall },
  { id: 'add-headers', label: 'Class 4: add SIP headers', type: 'script', about: 'Add and remove SIP headers on every route', code: hinted(addHeaders), data: routingSample },
  { id: 'dnc', label: 'Class 4: Do-Not-Call list', type: 'app', about: 'cxUserspace lookup, reject with [604, reason]', code: hinted(dnc), data: routingSample },
  { id: 'velocity', label: 'Class 4: fraud velocity limit', type: 'app', about: 'cxKV.incr with a TTL, throw 603', code: hinted(velocity), data: routingSample },
  { id: 'business-hours', label: 'Class 4: business hours', type: 'app', about: 'dayjs in the customer’s timezone (ES module)', code: hinted(businessHours), data: routingSample },
  { id: 'blank-script', label: 'Blank script', type: 'script', about: 'Synchronous main(data)', code: hinted(BLANK_SCRIPT), data: routingSample },
  { id: 'blank-app', label: 'Blank app', type: 'app', about: 'Async main(data) with cxKV', code: hinted(BLANK_APP), data: '{\n  "name": "Ada"\n}\n' },
  { id: 'form', label: 'Form: contact request', type: 'app', about: 'Validate, store, redirect', code: hinted(form), data: '{\n  "name": "Ada Lovelace",\n  "email": "ada@example.com",\n  "topic": "porting"\n}\n' },
  { id: 'did-driver', label: 'Driver: DID provider', type: 'driver', about: 'search / allocate / release / list over fetch', code: driver, data: '{\n  "number": "4420"\n}\n' },
  { id: 'ivr-menu', label: 'Class 5: IVR menu', type: 'app', about: 'answer, ivr, bridge; try it in the Call tab', code: hinted(menu), data: '{}\n' },
];

/** Sample data for a script with no remembered sample: a routing call when its code reads data.routing. */
export function defaultSample(code: string): string {
  return /\brouting\b/.test(code) ? routingSample : '{}\n';
}
