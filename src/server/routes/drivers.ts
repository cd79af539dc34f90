/** Drivers (PRODUCT.md §6.4): POST /api/v1/drivers/{scriptId}/{method}. TO BE WRITTEN (issue 3, point 6). */
import type { FastifyInstance } from 'fastify';
import type { Executor } from '../../executor/index.js';
import type { Auth } from '../auth.js';

export function driverRoutes(_app: FastifyInstance, _deps: { auth: Auth; executor: Executor }): void {}
