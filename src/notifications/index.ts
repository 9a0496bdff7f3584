import type { TravelerModule } from '../module.js';
import { alertRoutes } from './alert-routes.js';
import { sweepAlerts } from '../alerts/sweep.js';
import { lineItemWorkflow } from '../line-items/subject.js';
import { sendQueueDigests, tellOwnersOfNewAlerts } from './alerts.js';
import { sendCustomerUpdates } from './customer-updates.js';
import { lineItemEffects } from './effects.js';
import { customerPageRoutes } from './routes.js';

/** Customer emails and status pages, the alerts page (the shop's alerts and each person's messages), queue digests. */
export const notifications: TravelerModule = {
  name: 'notifications',
  routes: [customerPageRoutes, alertRoutes],
  effects: lineItemEffects,
  jobs: [
    // The sweep takes a try-lock: one instance sweeps, the others skip that round.
    {
      name: 'alert-sweep',
      cron: '20 * * * * *',
      run: async (app) => {
        const [workflow, clock, history] = await Promise.all([app.workflows.get(lineItemWorkflow), app.shopClock.get(), app.durations.lookup()]);
        await sweepAlerts(app.db, { workflow, clock, history, now: new Date() }, tellOwnersOfNewAlerts);
      },
    },
    // Customer updates are claimed with FOR UPDATE SKIP LOCKED.
    { name: 'customer-updates', cron: '*/15 * * * * *', run: async (app) => (await sendCustomerUpdates(app.db)) > 0 && app.mail.nudge() },
    // A digest is claimed by moving the person's digest slot (the shop's hour or day) conditionally.
    {
      name: 'queue-digests',
      cron: '5 * * * *',
      shopTime: true,
      run: async (app) => (await sendQueueDigests(app.db, { now: new Date(), timeZone: app.config.shopTimezone })) > 0 && app.mail.nudge(),
    },
  ],
};
