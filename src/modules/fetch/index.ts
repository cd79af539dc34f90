/**
 * fetch: a global in `app` and `driver` code (PRODUCT.md §5), performed on the host under the
 * account's egress policy (see host.ts and egress.ts).
 */
export { fetchGuest } from './guest.js';
export { fetchHost, RateLimiter, accountRateLimits, EGRESS_DEFAULTS, type EgressOptions, type FetchHostOptions, type FetchResult, type Resolver } from './host.js';
export { classify, checkAddress, parseAddress, parseAllowList, type AddressClass } from './egress.js';
