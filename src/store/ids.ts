import { randomFillSync } from 'node:crypto';

// Random bytes are drawn 4 KiB at a time: one system call for hundreds of ids (ids are made on
// every execution, on the hottest path).
const pool = Buffer.alloc(4096);
let offset = pool.length;

/** A random, URL-safe id with a readable prefix: acct_…, scr_…, exe_… (72 random bits). */
export function newId(prefix: string): string {
  if (offset + 9 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + 9);
  offset += 9;
  return `${prefix}_${id}`;
}
