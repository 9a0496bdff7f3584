import type { TravelerModule } from '../module.js';
import { dashboardRoutes } from './routes.js';

export const dashboard: TravelerModule = {
  name: 'dashboard',
  // The start page is the shop's name at the left of the bar: no link of its own, so the bar fits.
  routes: [dashboardRoutes],
};
