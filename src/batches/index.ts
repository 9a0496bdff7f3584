import type { TravelerModule } from '../module.js';
import { batchRoutes } from './routes.js';

/** Batches: items grouped across orders, with their progress, forecast and alerts. */
export const batches: TravelerModule = {
  name: 'batches',
  routes: [batchRoutes],
  navigation: [{ href: '/batches', label: 'Batches', permission: 'orders:view' }],
};
