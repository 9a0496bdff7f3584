import type { TravelerModule } from '../module.js';
import { settingsRoutes } from './routes.js';

export const settings: TravelerModule = {
  name: 'settings',
  routes: [settingsRoutes],
  navigation: [{ href: '/admin/settings', label: 'Settings', permission: 'settings:manage', admin: true }],
};
