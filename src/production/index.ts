import type { TravelerModule } from '../module.js';
import { productionRoutes } from './routes.js';
import { stopEveryonesWork } from './work-logs.js';

/** The production queues, item pages, bulk moves, work clocks, notes and photos. */
export const production: TravelerModule = {
  name: 'production',
  routes: [productionRoutes],
  // Time is worked on an item in a status: whatever moves it (BUILT, a hold, back to pending) stops its clocks.
  effects: [{ subjectType: 'line_item', name: 'stop-clocks', run: async (tx, event) => void (await stopEveryonesWork(tx, event.actor, event.row.id)) }],
};
