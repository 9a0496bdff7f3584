import type { TravelerModule } from '../module.js';
import { removeExpiredExports } from './exports.js';
import { reportRoutes } from './routes.js';

/** Reports to download (summary, detailed, timeline; CSV or Excel), big ones made in the background. */
export const reports: TravelerModule = {
  name: 'reports',
  routes: [reportRoutes],
  navigation: [{ href: '/reports', label: 'Reports', permission: 'orders:view', everyCustomer: true }],
  jobs: [
    // Exports are claimed with FOR UPDATE SKIP LOCKED under a lease: instances share the work,
    // and one left by an instance that died is taken over when its lease runs out.
    { name: 'report-exports', cron: '*/10 * * * * *', run: async (app) => app.reportExports.nudge() },
    { name: 'expired-report-exports', cron: '17 * * * *', run: (app) => removeExpiredExports(app.db) },
  ],
};
