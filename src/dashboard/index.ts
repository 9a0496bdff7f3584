import type { TravelerModule } from '../module.js';
import { dashboardRoutes } from './routes.js';

export const dashboard: TravelerModule = {
  name: 'dashboard',
  routes: [dashboardRoutes],
  navigation: [{ href: '/', label: 'Dashboard', permission: 'dashboard:view' }],
};
