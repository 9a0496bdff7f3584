import type { TravelerModule } from '../module.js';
import { paymentRoutes } from './routes.js';

/** Money received against orders (and later contractor jobs): append-only rows and the balance. */
export const payments: TravelerModule = {
  name: 'payments',
  routes: [paymentRoutes],
};
