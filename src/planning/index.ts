import type { TravelerModule } from '../module.js';
import { planningRoutes } from './routes.js';

/** Production planning: when each item is made and on which machine, against each machine's capacity per day. */
export const planning: TravelerModule = {
  name: 'planning',
  routes: [planningRoutes],
  navigation: [{ href: '/planning', label: 'Planning', permission: 'planning:view' }],
};
