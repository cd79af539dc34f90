/** Schedules: PUT|GET|DELETE /api/v1/scripts/{id}/schedule. TO BE WRITTEN (issue 3, point 7). */
import type { FastifyInstance } from 'fastify';
import type { Scheduler } from '../../schedule/index.js';
import type { Store } from '../../store/index.js';
import type { Auth } from '../auth.js';

export function scheduleRoutes(_app: FastifyInstance, _deps: { store: Store; auth: Auth; scheduler: Scheduler }): void {}
