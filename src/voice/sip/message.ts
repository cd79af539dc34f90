/**
 * SIP messages (RFC 3261) as far as the user agent needs them: parsing a request or response from
 * a UDP datagram, and building one. Headers are kept in order, names in lower case (compact forms
 * expanded); values as they came.
 */

export interface SipMessage {
  /** Requests: the method and Request-URI; responses: the status and reason. */
  method?: string;
  uri?: string;
  status?: number;
  reason?: string;
  headers: [string, string][];
  /** The header names as they were written, by index into headers (parsed messages only). */
  names?: string[];
  body: string;
}

const COMPACT: Record<string, string> = {
  i: 'call-id', f: 'from', t: 'to', v: 'via', m: 'contact', l: 'content-length', c: 'content-type', k: 'supported', s: 'subject',
};

/** A datagram as a SIP message; null when it is not one (keep-alives, garbage). */
export function parseSip(data: Buffer | string): SipMessage | null {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  let body = split < 0 ? '' : text.slice(split + 4);
  const lines = head.split(/\r?\n/);
  const first = lines.shift() ?? '';
  const msg: SipMessage = { headers: [], names: [], body: '' };
  const res = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/.exec(first);
  const req = /^([A-Z]+)\s+(\S+)\s+SIP\/2\.0$/.exec(first);
  if (res) {
    msg.status = Number(res[1]);
    msg.reason = res[2];
  } else if (req) {
    msg.method = req[1];
    msg.uri = req[2];
  } else {
    return null;
  }
  for (const line of lines) {
    if (/^[ \t]/.test(line) && msg.headers.length) {
      msg.headers[msg.headers.length - 1][1] += ' ' + line.trim(); // folded

      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const written = line.slice(0, colon).trim();
    let name = written.toLowerCase();
    name = COMPACT[name] ?? name;
    const value = line.slice(colon + 1).trim();
    // Via may carry several values on one line.
    for (const v of name === 'via' ? splitComma(value) : [value]) {
      msg.headers.push([name, v]);
      msg.names!.push(written);
    }
  }
  const len = header(msg, 'content-length');
  if (len !== undefined && Number(len) >= 0) body = Buffer.from(body, 'utf8').subarray(0, Number(len)).toString('utf8');
  msg.body = body;
  return msg;
}

function splitComma(v: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (const ch of v) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '<') depth++;
    else if (!quoted && ch === '>') depth--;
    if (ch === ',' && !quoted && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** The first value of a header (name in lower case). */
export function header(m: SipMessage, name: string): string | undefined {
  for (const [n, v] of m.headers) if (n === name) return v;
  return undefined;
}

export function headers(m: SipMessage, name: string): string[] {
  return m.headers.filter(([n]) => n === name).map(([, v]) => v);
}

/** The CSeq number and method. */
export function cseq(m: SipMessage): { seq: number; method: string } {
  const [n, method] = (header(m, 'cseq') ?? '0 ').split(/\s+/);
  return { seq: Number(n), method: method ?? '' };
}

/** A parameter of a header value (`tag` of From, `branch` of Via). */
export function param(value: string | undefined, name: string): string | undefined {
  if (!value) return undefined;
  const after = value.includes('>') ? value.slice(value.lastIndexOf('>')) : value;
  const m = new RegExp(`;\\s*${name}=([^;,\\s>]+)`, 'i').exec(after);
  return m?.[1];
}

/** The URI inside a name-addr (`"Bob" <sip:bob@host>;tag=1` → `sip:bob@host`). */
export function uriOf(value: string | undefined): string {
  if (!value) return '';
  const m = /<([^>]*)>/.exec(value);
  return (m ? m[1] : value.split(';')[0]).trim();
}

/** The user part of a SIP URI (`sip:441632960999@host` → `441632960999`). */
export function userOf(uri: string): string {
  const m = /^sips?:([^@;>]+)@/i.exec(uri);
  return m ? decodeURIComponent(m[1]) : '';
}

/** Host and port of a SIP URI. */
export function hostPortOf(uri: string): { host: string; port: number } {
  const m = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;>?]+)(?::(\d+))?/i.exec(uri);
  return { host: m ? m[1].replace(/^\[|\]$/g, '') : '', port: m?.[2] ? Number(m[2]) : 5060 };
}

/** The message as text, with a Content-Length that fits its body. */
export function serializeSip(m: SipMessage): string {
  const first = m.method ? `${m.method} ${m.uri} SIP/2.0` : `SIP/2.0 ${m.status} ${m.reason ?? ''}`;
  const lines = [first];
  for (const [n, v] of m.headers) if (n !== 'content-length') lines.push(`${canonical(n)}: ${v}`);
  lines.push(`Content-Length: ${Buffer.byteLength(m.body, 'utf8')}`);
  return lines.join('\r\n') + '\r\n\r\n' + m.body;
}

const SPECIAL: Record<string, string> = { 'call-id': 'Call-ID', cseq: 'CSeq', 'www-authenticate': 'WWW-Authenticate' };
function canonical(n: string): string {
  return SPECIAL[n] ?? n.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());
}

/** A response to `req`: its Via, From, To, Call-ID and CSeq, the To tag added when given. */
export function responseTo(req: SipMessage, status: number, reason: string, o: { toTag?: string; headers?: [string, string][]; body?: string } = {}): SipMessage {
  const hs: [string, string][] = [];
  for (const [n, v] of req.headers) {
    if (n === 'via' || n === 'from' || n === 'call-id' || n === 'cseq' || n === 'record-route') hs.push([n, v]);
    else if (n === 'to') hs.push([n, o.toTag && !param(v, 'tag') ? `${v};tag=${o.toTag}` : v]);
  }
  return { status, reason, headers: [...hs, ...(o.headers ?? [])], body: o.body ?? '' };
}

export const REASONS: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 200: 'OK', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist', 486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here',
  500: 'Server Internal Error', 501: 'Not Implemented', 503: 'Service Unavailable', 603: 'Decline', 604: 'Does Not Exist Anywhere',
};
