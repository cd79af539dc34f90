/**
 * The execution engine: runs prepared customer code in V8 isolates inside supervised worker
 * processes. It knows nothing of HTTP, accounts or code formats: the runtime prepares scripts, the
 * engine runs them.
 *
 * @example
 *   const engine = new Engine({ workers: 2 });
 *   await engine.start();
 *   const r = await engine.execute({ script, type: 'script', input: '{"a":1}' });
 */
export { Engine, type EngineOptions, type EngineStats, type EngineLogger } from './engine.js';
export * from './errors.js';
export * from './types.js';
