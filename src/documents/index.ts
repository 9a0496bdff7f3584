import type { TravelerModule } from '../module.js';
import { documentRoutes } from './routes.js';

/** Files attached to orders and items, with versions and who may see them; jobs, tickets and messages reuse it. */
export const documents: TravelerModule = {
  name: 'documents',
  routes: [documentRoutes],
};
