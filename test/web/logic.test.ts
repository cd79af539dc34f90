// The IDE's logic that needs no browser: the SSE reader of the run stream, the JSON layout that the
// routing view highlights from the answer's diff, and what it reads from a script's code.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diff } from '../../src/routing/index.js';
import { addTypeHints, findMain, functionNames } from '../../web/src/analyze.js';
import { jsonLines, lineText, markChanges } from '../../web/src/json-lines.js';
import { readSse, SseParser } from '../../web/src/sse.js';

const example = (f: string) => fs.readFileSync(new URL(`../../examples/${f}`, import.meta.url), 'utf8');
const SAMPLE = JSON.parse(example('routing-sample.json')) as { routing: Record<string, any> };

describe('SSE', () => {
  it('parses events split anywhere across chunks, CRLF or LF, with multi-line data', () => {
    const text = 'event: log\r\ndata: {"message":"a"}\r\n\r\n: comment\n\nevent: result\ndata: line1\ndata: line2\n\n';
    for (let cut = 0; cut < text.length; cut += 7) {
      const p = new SseParser();
      const events = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(events).toEqual([
        { event: 'log', data: '{"message":"a"}' },
        { event: 'result', data: 'line1\nline2' },
      ]);
    }
  });

  it('hands each event over as soon as its chunk arrives, before the stream ends', async () => {
    let push!: (s: string) => void;
    let end!: () => void;
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        push = (s) => c.enqueue(new TextEncoder().encode(s));
        end = () => c.close();
      },
    });
    const seen: string[] = [];
    const done = readSse(body, (e) => seen.push(e.event));
    push('event: log\ndata: 1\n\n');
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['log']);
    push('event: result\ndata: {}'); // no blank line: the end of the stream completes it
    end();
    await done;
    expect(seen).toEqual(['log', 'result']);
  });
});

describe('JSON lines for the routing view', () => {
  it('gives every line its path in the routing diff’s spelling', () => {
    const paths = jsonLines(SAMPLE).map((l) => l.path);
    expect(paths).toContain('routing.egress_routing[0].gw.301.cli');
    expect(paths).toContain('routing.ingress.user_agent');
    expect(lineText(jsonLines(SAMPLE).find((l) => l.path === 'routing.cli')!)).toBe('"cli": "441632960001",');
  });

  it('highlights exactly what src/routing/diff.ts says changed, on each side', () => {
    const after = structuredClone(SAMPLE);
    after.routing.cli = '441632960999';
    after.routing.egress_routing[1].gw['413'].cli = '441632960999';
    after.routing.egress_routing.pop();
    after.routing.headers.push({ key: 'X-New', value: '1' });
    const changes = diff(SAMPLE, after);
    const marked = (v: unknown, side: 'before' | 'after') =>
      markChanges(jsonLines(v), changes, side)
        .filter((l) => l.change && l.value)
        .map((l) => `${l.change} ${l.path}`);
    const before = marked(SAMPLE, 'before');
    expect(before).toContain('changed routing.cli');
    expect(before).toContain('removed routing.egress_routing[1].gw.413.cli'); // the whole removed route
    expect(before).not.toContain('changed routing.dest_number');
    const afterLines = marked(after, 'after');
    expect(afterLines).toEqual(['changed routing.cli', 'added routing.headers[1].key', 'added routing.headers[1].value']);
  });

  it('puts small containers on one line unless a change is inside', () => {
    const lines = jsonLines(SAMPLE, { inlineMax: 44, expand: (p) => p === 'routing.headers' });
    expect(lines.find((l) => l.path === 'routing.remove_headers')?.value?.text).toBe('[]');
    expect(lines.find((l) => l.path === 'routing.egress_routing[1].remove_headers')?.value?.text).toBe('[{ "key": "X-Internal" }]');
    expect(lines.find((l) => l.path === 'routing.headers')?.bracket).toBe('[');
  });
});

describe('reading a script’s code', () => {
  it('adds the JSDoc that types main’s parameters, once, above main', () => {
    const r = addTypeHints(example('c5-pin.js'))!;
    expect(r.code).toContain('/**\n * @param {ScriptForge.Data} data\n * @param {ScriptForge.Ctx} ctx\n */\nasync function main(data, ctx) {');
    expect(addTypeHints(r.code)).toBeNull();
    expect(findMain('export default async function (vars = {}) {}')).toMatchObject({ line: 1, params: ['vars'] });
    expect(findMain(example('did-driver.js'))).toBeNull();
    expect(addTypeHints('  route.forEach(function (r) {});\nexport function main(d) { return d }')!.line).toBe(2);
  });

  it('lists the functions a run may call', () => {
    expect(functionNames(example('did-driver.js'))).toEqual(['search', 'allocate', 'release', 'list']);
    expect(functionNames(example('c4-business-hours.js'))).toEqual(['main']);
    expect(functionNames('exports.a = 1; export async function b() {}')).toEqual(['a', 'b']);
  });
});
