/** Forms (PRODUCT.md §6.3): POST /api/v1/forms/{scriptId}. TO BE WRITTEN (issue 3, point 5). */
import type { FastifyInstance } from 'fastify';
import type { Executor } from '../../executor/index.js';
import type { Auth } from '../auth.js';

export function formRoutes(_app: FastifyInstance, _deps: { auth: Auth; executor: Executor }): void {}
