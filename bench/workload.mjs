/**
 * The benchmark's workload: a typical Class 4 routing script and a realistic `data` for it
 * (`data.routing` of about 2 KB with 5 routes, plus a TOML variable merged into `data`), as
 * PRODUCT.md §6.1 describes them. Both ScriptForge and the anchor run exactly this.
 */

/** The customer's script: strip a dialling prefix, present the account's main number on every route. */
export const ROUTING_SCRIPT = `// Strip a "9" dialling prefix and present the account's main number on every route.
function main(data) {
  const r = data.routing;
  if (r.dest_number.startsWith('9')) r.dest_number = r.dest_number.slice(1);
  r.cli = data.main_number || r.cli;
  r.egress_routing.forEach(function (route) {
    Object.keys(route.gw).forEach(function (id) { route.gw[id].cli = r.cli; });
  });
  return data;
}
`;

/** The CLI the script must put everywhere (the `main_number` variable). */
export const NEW_CLI = '442079460000';

function route(carrier, prefix, rate, priority, gws, headers, removeHeaders) {
  const gw = {};
  for (const [id, ip, port] of gws) gw[id] = { cli: '441632960001', ip, port };
  return {
    carrier, prefix, rate, rate_id: `rt-${priority}-${prefix}`, currency: 'EUR', priority, max_duration: 7200, codecs: ['PCMA', 'PCMU', 'G729'],
    gw, headers, remove_headers: removeHeaders,
  };
}

/** `data` for one call: routing-sample.json extended to 5 routes. */
export const DATA = {
  main_number: NEW_CLI,
  routing: {
    callid: '3c26b7e4f1a2@203.0.113.9',
    account_id: 1042,
    server: 'sbc-ams-1',
    cli: '441632960001',
    dest_number: '9447700900123',
    tech_prefix: '',
    ingress: { ip: '203.0.113.9', port: 5060, user_agent: 'PBX/12.1' },
    headers: [{ key: 'X-Trace', value: 'a1' }],
    remove_headers: [],
    egress_routing: [
      route('Carrier A', '4477', 0.0042, 1, [['301', '198.51.100.10', 5060]], [{ key: 'X-Customer-ID', value: '1042' }], []),
      route('Carrier B', '447', 0.0051, 2, [['412', '198.51.100.20', 5060], ['413', '198.51.100.21', 5080]], [], [{ key: 'X-Internal' }]),
      route('Carrier C', '447', 0.0055, 3, [['520', '198.51.100.30', 5060], ['521', '198.51.100.31', 5060]], [{ key: 'X-Carrier-Tag', value: 'c-uk-mob' }], []),
      route('Carrier D', '44', 0.0063, 4, [['618', '198.51.100.40', 5060]], [{ key: 'P-Asserted-Identity', value: '<sip:+441632960001@sbc-ams-1>' }], [{ key: 'X-Internal' }]),
      route('Carrier E', '4', 0.0079, 5, [['733', '198.51.100.50', 5060], ['734', '198.51.100.51', 5060], ['735', '198.51.100.52', 5061]], [], []),
    ],
  },
};

/** The input as the engine gets it: JSON text. */
export const INPUT = JSON.stringify(DATA);
export const ROUTING_BYTES = Buffer.byteLength(JSON.stringify(DATA.routing));

/**
 * Checks that a result (JSON text) is the routing with the CLI rewritten everywhere and the prefix
 * stripped; throws otherwise, so that a benchmark never measures errors.
 */
export function checkResult(json) {
  const d = JSON.parse(json);
  const r = d?.routing;
  const ok =
    r &&
    r.cli === NEW_CLI &&
    r.dest_number === '447700900123' &&
    r.egress_routing.length === 5 &&
    r.egress_routing.every((route) => Object.values(route.gw).every((g) => g.cli === NEW_CLI));
  if (!ok) throw new Error(`unexpected result: ${String(json).slice(0, 300)}`);
}

/** The same script with a different comment: a new version (a new cache key), same behaviour. */
export function variant(tag) {
  return `// version ${tag}\n${ROUTING_SCRIPT}`;
}
