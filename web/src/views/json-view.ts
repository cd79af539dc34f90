/** JSON shown as text, coloured by type, with the lines a routing diff touches highlighted. */
import { h, type Child } from '../dom.js';
import { jsonLines, markChanges, within, type Change, type JsonLine } from '../json-lines.js';

const MARK = { changed: '~', added: '+', removed: '−' } as const;

function line(l: JsonLine): HTMLElement {
  return h(
    'div',
    { class: `jl${l.change ? ` jl-${l.change}` : ''}`, style: `--depth:${l.depth}`, 'data-path': l.path || undefined },
    h('span', { class: 'jl-mark', 'aria-hidden': 'true' }, l.change ? MARK[l.change] : ''),
    typeof l.key === 'string' ? [h('span', { class: 'j-key' }, JSON.stringify(l.key)), ': '] : null,
    l.value ? (l.value.type === 'inline' ? colour(l.value.text) : h('span', { class: `j-${l.value.type}` }, l.value.text)) : h('span', { class: 'j-bracket' }, l.bracket ?? ''),
    l.comma ? ',' : '',
    l.change ? h('span', { class: 'sr-only' }, ` (${l.change})`) : null,
  );
}

/** A one-line container, coloured like the rest. */
function colour(text: string): Child[] {
  const out: Child[] = [];
  const re = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false)\b|\b(null)\b/g;
  let at = 0;
  for (const m of text.matchAll(re)) {
    out.push(text.slice(at, m.index));
    if (m[1]) out.push(h('span', { class: m[2] ? 'j-key' : 'j-string' }, m[1]), m[2] ?? '');
    else if (m[3]) out.push(h('span', { class: 'j-number' }, m[3]));
    else if (m[4]) out.push(h('span', { class: 'j-boolean' }, m[4]));
    else out.push(h('span', { class: 'j-null' }, m[5]));
    at = m.index! + m[0].length;
  }
  out.push(text.slice(at));
  return out;
}

export function jsonView(value: unknown, opts: { changes?: Change[]; side?: 'before' | 'after'; label?: string } = {}): HTMLElement {
  const changes = opts.changes ?? [];
  // Small objects and arrays on one line, unless a change is inside them (its line must be its own).
  let lines = jsonLines(value, { inlineMax: 44, expand: (p) => changes.some((c) => c.path !== p && within(c.path, p)) });
  if (opts.changes && opts.side) lines = markChanges(lines, opts.changes, opts.side);
  return h('div', { class: `json${opts.side ? ` json-${opts.side}` : ''}`, role: 'group', 'aria-label': opts.label ?? 'JSON', tabindex: '0' }, lines.map(line));
}
