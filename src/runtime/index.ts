/**
 * The runtime: execution types and code formats on top of the engine. It prepares customer code
 * (any format), checks what can be checked before running (syntax, type, modules), runs it, and
 * answers with the envelope users see: `{ok, result | error, logs, cpuMs, wallMs}`.
 */
export { analyze, type Analysis } from './analyze.js';
export { prepare, type Prepared, type PrepareOptions } from './prepare.js';
export { run, guessType, type RunOptions, type Envelope } from './run.js';
