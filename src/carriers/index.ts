import type { TravelerModule } from '../module.js';
import { carrierRoutes } from './routes.js';

/** Shipping carriers and their tracking links: a tracking number becomes a link the customer can follow. */
export const carriers: TravelerModule = {
  name: 'carriers',
  routes: [carrierRoutes],
  navigation: [{ href: '/admin/carriers', label: 'Carriers', permission: 'settings:manage', admin: true }],
};
