/**
 * Form bodies turned into the `data` a form script's `main(data)` gets (PRODUCT.md §6.3): the
 * form's key/value pairs, whatever the encoding (URL-encoded, multipart or JSON).
 *
 * - A key sent once is a value; a key sent again makes an array of its values, in the order sent.
 *   Keys are kept as sent (no `a[]` or `a.b` conventions).
 * - An uploaded file is described, never inlined: `{filename, contentType, size}` (bytes). Its
 *   content is read, counted and dropped. A file input left empty ("no file chosen": no filename,
 *   no bytes) is `null`, as an empty text input is `""`.
 * - A JSON body must be an object; it is passed on as sent (not re-encoded).
 * - No body at all is `{}`.
 *
 * The result is JSON text for the executor. Keys such as `__proto__` are ordinary own keys.
 */
import type { Multipart } from '@fastify/multipart';
import type { Readable } from 'node:stream';

/** What a form script sees for an uploaded file. */
export interface FileDescription {
  filename: string;
  contentType: string;
  size: number;
}

/** A body that cannot be a form: 400 (malformed) or 413 (too large), with a stable code. */
export class FormBodyError extends Error {
  constructor(
    readonly statusCode: 400 | 413,
    readonly code: 'INVALID_FORM' | 'BODY_TOO_LARGE',
    message: string,
  ) {
    super(message);
  }
}

export interface FormLimits {
  /** One uploaded file, bytes. */
  fileBytes: number;
  /** Files in one submission. */
  files: number;
  /** Non-file fields in one submission. */
  fields: number;
  /** One field's value, bytes. */
  fieldBytes: number;
  /** Everything in a multipart body together (fields and files), bytes. */
  totalBytes: number;
}

export const DEFAULT_FORM_LIMITS: Readonly<FormLimits> = Object.freeze({
  fileBytes: 10 * 1024 * 1024,
  files: 10,
  fields: 1000,
  fieldBytes: 100 * 1024,
  totalBytes: 20 * 1024 * 1024,
});

/** Collects key/value pairs: repeated keys become arrays. */
export class FormFields {
  readonly #map = new Map<string, unknown>();
  readonly #repeated = new Set<string>();

  add(name: string, value: unknown): void {
    if (!this.#map.has(name)) {
      this.#map.set(name, value);
    } else if (this.#repeated.has(name)) {
      (this.#map.get(name) as unknown[]).push(value);
    } else {
      this.#map.set(name, [this.#map.get(name), value]);
      this.#repeated.add(name);
    }
  }

  /** JSON text of the data object (Object.fromEntries makes own properties, `__proto__` included). */
  toJson(): string {
    return JSON.stringify(Object.fromEntries(this.#map));
  }
}

/** `application/x-www-form-urlencoded` (`+` is a space, `%xx` is UTF-8). */
export function urlEncodedToJson(text: string): string {
  const fields = new FormFields();
  for (const [k, v] of new URLSearchParams(text)) fields.add(k, v);
  return fields.toJson();
}

/** `application/json`: must be an object of fields. Returns the text as sent. */
export function jsonFormToJson(text: string): string {
  if (text.trim() === '') return '{}';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FormBodyError(400, 'INVALID_FORM', `The body is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new FormBodyError(400, 'INVALID_FORM', `A JSON form body must be an object of fields, not ${what}`);
  }
  return text;
}

const mib = (n: number) => (n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`);

/** Options for `request.parts()`: busboy's own limits, one past ours so that going over is seen. */
export function busboyLimits(l: FormLimits = DEFAULT_FORM_LIMITS) {
  return {
    limits: { fileSize: l.fileBytes, files: l.files, fields: l.fields, fieldSize: l.fieldBytes, fieldNameSize: 1024, parts: l.files + l.fields },
  };
}

/**
 * Watches a multipart body for its closing delimiter (`--boundary--`). Busboy, through
 * @fastify/multipart, ends the parts quietly when a body stops early (a truncated or aborted
 * upload), which would run the script with part of the form: this tells the two apart. Call it
 * before reading the parts; it pauses the stream until they are read (the pipe resumes it).
 */
export function watchMultipartEnd(raw: Readable, contentType: string | undefined): () => boolean {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!m) return () => false;
  const needle = Buffer.from(`--${m[1] ?? m[2]}--`);
  let carry = Buffer.alloc(0);
  let seen = false;
  const onData = (chunk: Buffer) => {
    const straddle = Buffer.concat([carry, chunk.subarray(0, needle.length - 1)]);
    if (straddle.includes(needle) || chunk.includes(needle)) {
      seen = true;
      raw.off('data', onData);
      return;
    }
    const tail = chunk.length >= needle.length - 1 ? chunk.subarray(chunk.length - needle.length + 1) : Buffer.concat([carry, chunk]).subarray(-(needle.length - 1));
    carry = Buffer.from(tail);
  };
  raw.pause();
  raw.on('data', onData);
  return () => seen;
}

/**
 * `multipart/form-data`, read part by part from @fastify/multipart's iterator. `ended` says whether
 * the body reached its closing delimiter (see watchMultipartEnd).
 */
export async function multipartToJson(parts: AsyncIterable<Multipart>, ended: () => boolean, l: FormLimits = DEFAULT_FORM_LIMITS): Promise<string> {
  const fields = new FormFields();
  let total = 0;
  const count = (n: number) => {
    total += n;
    if (total > l.totalBytes) throw new FormBodyError(413, 'BODY_TOO_LARGE', `The form is larger than the limit of ${mib(l.totalBytes)}`);
  };
  try {
    for await (const part of parts) {
      if (part.type === 'file') {
        let size = 0;
        for await (const chunk of part.file) {
          size += (chunk as Buffer).length;
          count((chunk as Buffer).length);
        }
        if (part.file.truncated) {
          throw new FormBodyError(413, 'BODY_TOO_LARGE', `The file '${part.filename}' in field '${part.fieldname}' is larger than the limit of ${mib(l.fileBytes)}`);
        }
        const empty = !part.filename && size === 0;
        const desc: FileDescription | null = empty ? null : { filename: part.filename, contentType: part.mimetype, size };
        fields.add(part.fieldname, desc);
      } else {
        if (part.fieldnameTruncated) throw new FormBodyError(400, 'INVALID_FORM', `A field name is longer than 1024 bytes`);
        if (part.valueTruncated) {
          throw new FormBodyError(413, 'BODY_TOO_LARGE', `The value of field '${part.fieldname}' is larger than the limit of ${mib(l.fieldBytes)}`);
        }
        count(Buffer.byteLength(typeof part.value === 'string' ? part.value : JSON.stringify(part.value) ?? ''));
        fields.add(part.fieldname, part.value);
      }
    }
  } catch (err) {
    throw multipartError(err, l);
  }
  if (!ended()) throw new FormBodyError(400, 'INVALID_FORM', 'The multipart body ends before its closing boundary: the form is incomplete');
  return fields.toJson();
}

/** The plugin's and busboy's errors, said in our words. */
function multipartError(err: unknown, l: FormLimits): Error {
  if (err instanceof FormBodyError) return err;
  const e = err as { code?: string; message?: string; part?: { fieldname?: string; filename?: string } };
  switch (e.code) {
    case 'FST_REQ_FILE_TOO_LARGE': {
      const where = e.part?.filename !== undefined ? `The file '${e.part.filename}' in field '${e.part.fieldname}'` : 'A file';
      return new FormBodyError(413, 'BODY_TOO_LARGE', `${where} is larger than the limit of ${mib(l.fileBytes)}`);
    }
    case 'FST_FILES_LIMIT':
      return new FormBodyError(413, 'BODY_TOO_LARGE', `The form has more than ${l.files} files`);
    case 'FST_FIELDS_LIMIT':
      return new FormBodyError(413, 'BODY_TOO_LARGE', `The form has more than ${l.fields} fields`);
    case 'FST_PARTS_LIMIT':
      return new FormBodyError(413, 'BODY_TOO_LARGE', `The form has more than ${l.files + l.fields} parts`);
    case 'FST_PROTO_VIOLATION':
      return new FormBodyError(400, 'INVALID_FORM', 'A multipart field is named like a built-in object property (__proto__, constructor, toString...): rename it');
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return new FormBodyError(400, 'INVALID_FORM', 'A multipart field declared as application/json is not valid JSON');
  }
  return new FormBodyError(400, 'INVALID_FORM', `The multipart body is malformed: ${e.message ?? String(err)}`);
}

/** Why a `{redirect}` result cannot be a Location, or null when it can. */
export function redirectProblem(value: unknown): string | null {
  if (typeof value !== 'string') return `it is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}`;
  if (value.length > 8192) return 'it is longer than 8192 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'it contains control characters';
  if (value.startsWith('/')) {
    if (value.startsWith('//') || value.startsWith('/\\')) return `'${value}' would leave the site (write the full https:// URL for another host)`;
    return null;
  }
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return `'${value}' is neither a URL nor a path`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `'${value}' is a ${u.protocol} URL`;
  return null;
}

/**
 * The Location header for a valid redirect: absolute URLs normalised by URL (non-ASCII
 * percent-encoded, so the header is always valid), paths encoded the same way and kept relative.
 */
export function locationOf(value: string): string {
  if (value.startsWith('/')) {
    const u = new URL(value, 'http://h');
    return u.pathname + u.search + u.hash;
  }
  return new URL(value).href;
}
