import { lineItemWorkflow } from '../line-items/subject.js';
import type { TravelerModule } from '../module.js';
import { refreshDurationStats } from './durations.js';

/** Where everything is: time in status on the shop's clock, forecasts from recent history. */
export const monitoring: TravelerModule = {
  name: 'monitoring',
  jobs: [
    // The rewrite takes an advisory lock, so instances take turns.
    {
      name: 'status-durations',
      cron: '*/10 * * * *',
      run: async (app) => {
        await refreshDurationStats(app.db, lineItemWorkflow, await app.shopClock.get());
        app.durations.forget();
      },
    },
  ],
};
