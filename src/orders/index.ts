import type { TravelerModule } from '../module.js';
import { orderRoutes } from './routes.js';

export const orders: TravelerModule = {
  name: 'orders',
  routes: [orderRoutes],
  navigation: [{ href: '/orders', label: 'Orders', permission: 'orders:view' }],
};
