/**
 * Class 4 routing (PRODUCT.md §6.1): a softswitch asks, per call, what to do with the routes it
 * chose. router.ts runs the account's chain of scripts, time-boxed; validate.ts keeps their output
 * in the call's structure; diff.ts says what changed; vars.ts merges the operator's variables (TOML).
 */
export { Router, ROUTING_DEFAULTS, type RoutingAnswer, type Step } from './router.js';
export { diff, type Change } from './diff.js';
export { validateOutput } from './validate.js';
export { mergeVars, parseVars, RoutingInputError } from './vars.js';
