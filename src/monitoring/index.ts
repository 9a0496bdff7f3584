import { lineItemWorkflow } from '../line-items/subject.js';
import type { TravelerModule } from '../module.js';
import { refreshSnapshot } from './dashboard.js';
import { refreshDurationStats } from './durations.js';
import { monitoringRoutes } from './routes.js';

/** Where everything is: time in status on the shop's clock, forecasts from recent history, the dashboard. */
export const monitoring: TravelerModule = {
  name: 'monitoring',
  routes: [monitoringRoutes],
  navigation: [{ href: '/monitoring', label: 'Monitoring', permission: 'orders:view', everyCustomer: true }],
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
    // One instance recounts (a try-lock); the others skip that round.
    {
      name: 'monitoring-snapshot',
      cron: '*/30 * * * * *',
      run: async (app) => refreshSnapshot(app.db, await app.workflows.get(lineItemWorkflow), await app.shopClock.get()),
    },
  ],
};
