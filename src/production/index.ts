import type { LineItemTransitionRow } from '../line-items/subject.js';
import type { TravelerModule } from '../module.js';
import { productionRoutes } from './routes.js';
import { stopEveryonesWork } from './work-logs.js';

/** The production queues, item pages, bulk moves, work clocks, notes and photos. */
export const production: TravelerModule = {
  name: 'production',
  routes: [productionRoutes],
  // Time is worked on an item in a status: whatever moves it (BUILT, a hold, back to pending) stops its clocks.
  effects: [
    {
      subjectType: 'line_item',
      name: 'stop-clocks',
      // The lock-and-load says whether a clock runs: most moves need no statement for this.
      run: async (tx, event) => void ((event.row as LineItemTransitionRow).clockRunning && (await stopEveryonesWork(tx, event.actor, event.row.id))),
    },
  ],
};
