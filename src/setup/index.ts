import type { TravelerModule } from '../module.js';
import { setupRoutes } from './routes.js';

/** The first run: the shop and its first admin. */
export const setup: TravelerModule = { name: 'setup', routes: [setupRoutes] };
