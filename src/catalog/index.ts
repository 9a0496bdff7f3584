import type { TravelerModule } from '../module.js';
import { catalogRoutes } from './routes.js';

export const catalog: TravelerModule = {
  name: 'catalog',
  routes: [catalogRoutes],
  navigation: [{ href: '/admin/catalog', label: 'Machines & materials', permission: 'catalog:manage', admin: true }],
};
