/**
 * Framing between the supervisor and its worker processes, over one duplex pipe (fd 3).
 *
 * A frame is `[u32 header bytes][u32 body bytes][header JSON][body]`. The header is a small JSON
 * object; the body is an opaque UTF-8 string (the execution's input or result JSON), carried as is so
 * that data is never encoded twice on its way to and from the isolate.
 */
import type { Duplex } from 'node:stream';

export type Header = { t: string; [key: string]: unknown };
export type FrameHandler = (header: Header, body: string) => void;

export class FrameWriter {
  #stream: Duplex;
  #corked = false;

  constructor(stream: Duplex) {
    this.#stream = stream;
  }

  /**
   * Writes at once, with what is already buffered: for a frame that must be out before the process
   * blocks (a guest turn starts) or may die (a reply, before the next guest runs).
   */
  sendNow(header: Header, body = ''): void {
    if (this.#corked) {
      this.#corked = false;
      this.#stream.uncork();
    }
    this.#stream.write(encode(JSON.stringify(header), body));
  }

  send(header: Header, body = ''): void {
    this.sendRaw(JSON.stringify(header), body);
  }

  /** Like send, with the header already JSON text. */
  sendRaw(head: string, body = ''): void {
    const frame = encode(head, body);
    // Frames written in the same tick go out in one write: under load this halves the syscalls.
    if (!this.#corked) {
      this.#corked = true;
      this.#stream.cork();
      process.nextTick(() => {
        if (!this.#corked) return;
        this.#corked = false;
        this.#stream.uncork();
      });
    }
    this.#stream.write(frame);
  }
}

function encode(head: string, body: string): Buffer {
  const headBytes = Buffer.byteLength(head);
  const bodyBytes = Buffer.byteLength(body);
  const frame = Buffer.allocUnsafe(8 + headBytes + bodyBytes);
  frame.writeUInt32LE(headBytes, 0);
  frame.writeUInt32LE(bodyBytes, 4);
  frame.write(head, 8, 'utf8');
  if (bodyBytes > 0) frame.write(body, 8 + headBytes, 'utf8');
  return frame;
}

/** Reads frames from a stream and calls `onFrame` for each; a malformed frame ends the stream. */
export function readFrames(stream: Duplex, onFrame: FrameHandler, onError: (err: Error) => void): void {
  // The chunks of an incomplete frame wait in a list until the whole frame is there: joining them on
  // every chunk would copy a large frame (a 16 MB result) again and again, quadratic in its size.
  let chunks: Buffer[] = [];
  let buffered = 0;
  let needed = 8;
  stream.on('data', (chunk: Buffer) => {
  chunks.push(chunk);
  buffered += chunk.length;
  if (buffered < needed) return;
  const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, buffered);
  chunks = [];
  buffered = 0;
  needed = 8;
  let offset = 0;
  while (buf.length - offset >= 8) {
    const headBytes = buf.readUInt32LE(offset);
    const bodyBytes = buf.readUInt32LE(offset + 4);
    const end = offset + 8 + headBytes + bodyBytes;
    if (end > buf.length) {
      needed = end - offset;
      break;
    }
    let header: Header;
    try {
      header = JSON.parse(buf.toString('utf8', offset + 8, offset + 8 + headBytes)) as Header;
    } catch (err) {
      onError(new Error(`malformed frame header: ${(err as Error).message}`));
      stream.destroy();
      return;
    }
    const body = bodyBytes > 0 ? buf.toString('utf8', offset + 8 + headBytes, end) : '';
    offset = end;
    onFrame(header, body);
  }
  if (offset < buf.length) {
    const rest = offset > 0 ? Buffer.from(buf.subarray(offset)) : buf; // do not pin the large chunk
    chunks = [rest];
    buffered = rest.length;
  }
  });
}
