import type { TravelerModule } from '../module.js';
import { customerRoutes } from './routes.js';

export const customers: TravelerModule = {
  name: 'customers',
  routes: [customerRoutes],
  navigation: [{ href: '/customers', label: 'Customers', permission: 'customers:manage' }],
};
