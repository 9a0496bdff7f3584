import type { TravelerModule } from '../module.js';
import { productionRoutes } from './routes.js';

/** The production queues, item pages, bulk moves, work clocks, notes and photos. */
export const production: TravelerModule = { name: 'production', routes: [productionRoutes] };
