import type { TravelerModule } from '../module.js';
import { kioskAdminRoutes } from './admin-routes.js';
import { kioskRoutes } from './routes.js';

/** Shop-floor tablets: their stations, PIN sign-in and actions, and an admin's kiosk pages. */
export const kiosk: TravelerModule = {
  name: 'kiosk',
  routes: [kioskRoutes, kioskAdminRoutes],
  navigation: [{ href: '/admin/kiosks', label: 'Kiosks', permission: 'kiosks:manage', admin: true }],
};
