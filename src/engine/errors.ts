/**
 * Typed errors for everything an execution can end with. Each has a stable `code`; `toJSON()` is
 * the shape the API and `scriptforge run --json` print.
 */

export type ErrorCode =
  | 'SCRIPT_ERROR'
  | 'SYNTAX_ERROR'
  | 'TIMEOUT'
  | 'MEMORY_LIMIT'
  | 'OUTPUT_TOO_LARGE'
  | 'RESULT_NOT_JSON'
  | 'TIMER_LIMIT'
  | 'MODULE_NOT_FOUND'
  | 'FUNCTION_NOT_FOUND'
  | 'WRONG_TYPE'
  | 'NEVER_SETTLES'
  | 'HOST_ERROR'
  | 'SANDBOX_CRASHED'
  | 'OVERLOADED'
  | 'INVALID_REQUEST'
  /** A driver's result does not have the shape its method must return (PRODUCT.md §6.4). */
  | 'DRIVER_RESULT_INVALID'
  /** A form script's {redirect} is not an http(s) URL or an absolute path. */
  | 'FORM_REDIRECT_INVALID'
  /** A job's or schedule's script was deleted before it ran. */
  | 'SCRIPT_NOT_FOUND'
  /** A routing script's output does not keep the structure of its input (PRODUCT.md §6.1). */
  | 'ROUTING_OUTPUT_INVALID';

export interface ErrorInfo {
  name: string;
  code: ErrorCode;
  message: string;
  /** SIP response code, for `throw new Error('604 ...')` and `Promise.reject([604, '...'])`. */
  sipCode?: number;
  /** SIP reason phrase that goes with sipCode. */
  reason?: string;
  /** Position in the customer's own source (1-based). */
  line?: number;
  column?: number;
  stack?: string;
}

export class ExecutionError extends Error {
  readonly code: ErrorCode;
  sipCode?: number;
  reason?: string;
  line?: number;
  column?: number;
  /** The guest's stack, customer frames only. */
  guestStack?: string;

  constructor(code: ErrorCode, message: string, extra: Partial<ErrorInfo> = {}) {
    super(message);
    this.code = code;
    this.name = extra.name ?? new.target.name;
    if (extra.sipCode !== undefined) this.sipCode = extra.sipCode;
    if (extra.reason !== undefined) this.reason = extra.reason;
    if (extra.line !== undefined) this.line = extra.line;
    if (extra.column !== undefined) this.column = extra.column;
    if (extra.stack !== undefined) this.guestStack = extra.stack;
  }

  toJSON(): ErrorInfo {
    const out: ErrorInfo = { name: this.name, code: this.code, message: this.message };
    if (this.sipCode !== undefined) out.sipCode = this.sipCode;
    if (this.reason !== undefined) out.reason = this.reason;
    if (this.line !== undefined) out.line = this.line;
    if (this.column !== undefined) out.column = this.column;
    if (this.guestStack !== undefined) out.stack = this.guestStack;
    return out;
  }
}

/** The customer's code threw (its own name is kept: TypeError, Error...). */
export class ScriptError extends ExecutionError {
  constructor(message: string, extra: Partial<ErrorInfo> = {}) {
    super('SCRIPT_ERROR', message, { name: 'Error', ...extra });
  }
}
/** The code does not parse; line and column say where. */
export class ScriptSyntaxError extends ExecutionError {
  constructor(message: string, extra: Partial<ErrorInfo> = {}) {
    super('SYNTAX_ERROR', message, { name: 'SyntaxError', ...extra });
  }
}
export class TimeoutError extends ExecutionError {
  constructor(message: string) { super('TIMEOUT', message); }
}
export class MemoryLimitError extends ExecutionError {
  constructor(message: string) { super('MEMORY_LIMIT', message); }
}
export class OutputTooLargeError extends ExecutionError {
  constructor(message: string) { super('OUTPUT_TOO_LARGE', message); }
}
export class SerializationError extends ExecutionError {
  constructor(message: string) { super('RESULT_NOT_JSON', message); }
}
export class TimerLimitError extends ExecutionError {
  constructor(message: string) { super('TIMER_LIMIT', message); }
}
export class ModuleNotFoundError extends ExecutionError {
  constructor(message: string, extra: Partial<ErrorInfo> = {}) { super('MODULE_NOT_FOUND', message, extra); }
}
export class FunctionNotFoundError extends ExecutionError {
  constructor(message: string) { super('FUNCTION_NOT_FOUND', message); }
}
/** The code needs another execution type (a `script` that awaits, requires or returns a Promise). */
export class ExecutionTypeError extends ExecutionError {
  constructor(message: string, extra: Partial<ErrorInfo> = {}) { super('WRONG_TYPE', message, extra); }
}
/** An async main whose promise can never settle: nothing is pending. */
export class NeverSettlesError extends ExecutionError {
  constructor(message: string) { super('NEVER_SETTLES', message); }
}
export class HostOperationError extends ExecutionError {
  constructor(message: string) { super('HOST_ERROR', message); }
}
/** The worker process running the execution died or was killed. */
export class SandboxCrashedError extends ExecutionError {
  constructor(message: string) { super('SANDBOX_CRASHED', message); }
}
export class OverloadedError extends ExecutionError {
  constructor(message: string) { super('OVERLOADED', message); }
}
/** The request itself is wrong (limits above the operator's maxima, unknown type...). */
export class InvalidRequestError extends ExecutionError {
  constructor(message: string) { super('INVALID_REQUEST', message); }
}

const byCode: Record<ErrorCode, (m: string, i: Partial<ErrorInfo>) => ExecutionError> = {
  SCRIPT_ERROR: (m, i) => new ScriptError(m, i),
  SYNTAX_ERROR: (m, i) => new ScriptSyntaxError(m, i),
  TIMEOUT: (m) => new TimeoutError(m),
  MEMORY_LIMIT: (m) => new MemoryLimitError(m),
  OUTPUT_TOO_LARGE: (m) => new OutputTooLargeError(m),
  RESULT_NOT_JSON: (m) => new SerializationError(m),
  TIMER_LIMIT: (m) => new TimerLimitError(m),
  MODULE_NOT_FOUND: (m, i) => new ModuleNotFoundError(m, { line: i.line, column: i.column }),
  FUNCTION_NOT_FOUND: (m) => new FunctionNotFoundError(m),
  WRONG_TYPE: (m, i) => new ExecutionTypeError(m, { line: i.line, column: i.column }),
  NEVER_SETTLES: (m) => new NeverSettlesError(m),
  HOST_ERROR: (m, i) => new ScriptError(m, { ...i, name: i.name ?? 'Error' }),
  SANDBOX_CRASHED: (m) => new SandboxCrashedError(m),
  OVERLOADED: (m) => new OverloadedError(m),
  INVALID_REQUEST: (m) => new InvalidRequestError(m),
  DRIVER_RESULT_INVALID: (m, i) => new ExecutionError('DRIVER_RESULT_INVALID', m, i),
  FORM_REDIRECT_INVALID: (m, i) => new ExecutionError('FORM_REDIRECT_INVALID', m, i),
  SCRIPT_NOT_FOUND: (m, i) => new ExecutionError('SCRIPT_NOT_FOUND', m, i),
  ROUTING_OUTPUT_INVALID: (m, i) => new ExecutionError('ROUTING_OUTPUT_INVALID', m, i),
};

/** Rebuilds the typed error from its JSON form (as it crosses the process boundary). */
export function errorFromInfo(info: ErrorInfo): ExecutionError {
  const make = byCode[info.code] ?? byCode.SCRIPT_ERROR;
  const { message, ...rest } = info;
  return make(String(message ?? ''), rest);
}
