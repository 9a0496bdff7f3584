import type { TravelerModule } from '../module.js';
import { chartRoutes } from './routes.js';

/** Charts of the shop's history, drawn on the server: cycle time, work in progress, on-time rate, throughput. */
export const charts: TravelerModule = {
  name: 'charts',
  routes: [chartRoutes],
};
