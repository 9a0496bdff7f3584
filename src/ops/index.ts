import type { TravelerModule } from '../module.js';
import { operationsRoutes } from './routes.js';

/** Health and readiness for load balancers and monitors. */
export const operations: TravelerModule = { name: 'ops', routes: [operationsRoutes] };
