import { randomBytes } from 'node:crypto';

/** A random, URL-safe id with a readable prefix: acct_…, scr_…, exe_… */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}
