/**
 * JSON laid out one value per line, each line knowing its path in the routing answer's spelling
 * (`routing.egress_routing[0].gw.301.cli`, as src/routing/diff.ts writes it), so that the Class 4
 * view can highlight what the `diff` array says changed, on the before side and on the after side.
 *
 * @example
 *   const lines = markChanges(jsonLines(before), answer.diff, 'before');
 *   lines.filter((l) => l.change).map((l) => l.path); // ['routing.cli', ...]
 */
export type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'inline' | 'other';

export interface JsonLine {
  path: string;
  depth: number;
  /** The property name or array index the line starts with; null at the top and for closers. */
  key: string | number | null;
  /** A leaf's value (also `{}` and `[]` for empty containers). */
  value?: { text: string; type: JsonType };
  /** '{' or '[' for a line that opens a container, '}' or ']' for the one that closes it. */
  bracket?: '{' | '[' | '}' | ']';
  comma: boolean;
  /** Set by markChanges. */
  change?: 'changed' | 'added' | 'removed';
}

export interface Change {
  path: string;
  from?: unknown;
  to?: unknown;
}

/** A property name as the routing diff spells it within a path. */
export function segment(key: string): string {
  return /^[A-Za-z_$0-9][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : `${path}${segment(key)}`).replace(/^\./, '');

function leaf(v: unknown): { text: string; type: JsonType } {
  if (v === null) return { text: 'null', type: 'null' };
  switch (typeof v) {
    case 'string':
      return { text: JSON.stringify(v), type: 'string' };
    case 'number':
      return { text: String(v), type: 'number' };
    case 'boolean':
      return { text: String(v), type: 'boolean' };
    default:
      return { text: JSON.stringify(v) ?? 'undefined', type: 'other' };
  }
}

/** Small containers on one line: `{ "key": "X-Trace", "value": "a1" }`. */
export function inline(v: unknown): string {
  if (Array.isArray(v)) return v.length ? `[${v.map(inline).join(', ')}]` : '[]';
  if (v !== null && typeof v === 'object') {
    const e = Object.entries(v as Record<string, unknown>);
    return e.length ? `{ ${e.map(([k, x]) => `${JSON.stringify(k)}: ${inline(x)}`).join(', ')} }` : '{}';
  }
  return leaf(v).text;
}

export interface LayoutOptions {
  /** Containers whose one-line form is at most this long stay on one line (default 0: none). */
  inlineMax?: number;
  /** Containers that must be laid out line by line whatever their size (those with a change inside). */
  expand?: (path: string) => boolean;
}

export function jsonLines(value: unknown, opts: LayoutOptions = {}): JsonLine[] {
  const out: JsonLine[] = [];
  const max = opts.inlineMax ?? 0;
  const walk = (v: unknown, path: string, depth: number, key: string | number | null, comma: boolean) => {
    const isArray = Array.isArray(v);
    if (v !== null && typeof v === 'object') {
      const entries: [string | number, unknown][] = isArray ? (v as unknown[]).map((x, i) => [i, x]) : Object.entries(v as Record<string, unknown>);
      const one = entries.length === 0 || max > 0 ? inline(v) : '';
      if (entries.length === 0 || (max > 0 && one.length <= max && !opts.expand?.(path))) {
        out.push({ path, depth, key, value: { text: one, type: entries.length ? 'inline' : 'other' }, comma });
        return;
      }
      out.push({ path, depth, key, bracket: isArray ? '[' : '{', comma: false });
      entries.forEach(([k, x], i) => walk(x, join(path, k), depth + 1, isArray ? null : k, i < entries.length - 1));
      out.push({ path, depth, key: null, bracket: isArray ? ']' : '}', comma });
      return;
    }
    out.push({ path, depth, key, value: leaf(v), comma });
  };
  walk(value, '', 0, null, false);
  return out;
}

/** Inside (or equal to) `ancestor`, in path spelling. */
export function within(path: string, ancestor: string): boolean {
  if (ancestor === '') return true;
  if (!path.startsWith(ancestor)) return false;
  const next = path.charAt(ancestor.length);
  return next === '' || next === '.' || next === '[';
}

/**
 * Marks the lines a change touches on one side: `before` shows what was changed or removed,
 * `after` what was changed or added. A removed or added container is marked whole.
 */
export function markChanges(lines: JsonLine[], changes: Change[], side: 'before' | 'after'): JsonLine[] {
  const relevant = changes
    .filter((c) => (side === 'before' ? 'from' in c : 'to' in c))
    .map((c) => ({ path: c.path, kind: ('from' in c && 'to' in c ? 'changed' : 'from' in c ? 'removed' : 'added') as JsonLine['change'] }));
  return lines.map((l) => {
    const hit = relevant.find((c) => within(l.path, c.path));
    return hit ? { ...l, change: hit.kind } : { ...l };
  });
}

/** The line as text, without indentation: `"cli": "441632960001",`. */
export function lineText(l: JsonLine): string {
  const key = typeof l.key === 'string' ? `${JSON.stringify(l.key)}: ` : '';
  return key + (l.value ? l.value.text : l.bracket) + (l.comma ? ',' : '');
}
