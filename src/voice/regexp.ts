/**
 * Tests a customer's regular expression (ivr's `regexp` option) on the host. A catastrophic one
 * must not hang the process: it runs in a throwaway V8 context with a time limit, which stops
 * backtracking too.
 */
import vm from 'node:vm';

const script = new vm.Script('new RegExp(source, flags).test(value)');
const LIMIT_MS = 20;

/** true or false; 'timeout' when the expression took longer than is reasonable for a few digits. */
export function testRegExp(source: string, flags: string, value: string): boolean | 'timeout' {
  const context = vm.createContext({ source, flags, value });
  try {
    return script.runInContext(context, { timeout: LIMIT_MS }) === true;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return 'timeout';
    throw err;
  }
}

/** Checks that a pattern compiles (before any digit is collected); throws a SyntaxError naming it. */
export function checkRegExp(source: string, flags: string): void {
  try {
    new RegExp(source, flags); // compiling runs nothing: only testing can take long
  } catch (err) {
    throw new SyntaxError(`Invalid regular expression /${source}/${flags}: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}
