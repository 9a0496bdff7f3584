import type { TravelerModule } from '../module.js';
import { batchRoutes } from './routes.js';

/** Batches: items grouped across orders, with their progress, forecast and alerts. */
export const batches: TravelerModule = {
  name: 'batches',
  // Reached from Monitoring, queues and orders rather than a link of its own in the bar.
  routes: [batchRoutes],
};
