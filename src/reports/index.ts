import type { TravelerModule } from '../module.js';
import { reportRoutes } from './routes.js';

/** Reports to download: the detailed list of items (CSV, streamed). */
export const reports: TravelerModule = {
  name: 'reports',
  routes: [reportRoutes],
};
