import type { TravelerModule } from '../module.js';
import { deleteExpiredSessions } from '../platform/session-store.js';
import { userAdminRoutes } from './admin-routes.js';
import { accountRoutes } from './routes.js';

/** Signing in and out, passwords and PINs, and the people an admin manages. */
export const accounts: TravelerModule = {
  name: 'accounts',
  routes: [accountRoutes, userAdminRoutes],
  // Deleting expired sessions twice (two instances) does no harm.
  jobs: [{ name: 'delete-expired-sessions', cron: '17 * * * *', run: (app) => deleteExpiredSessions(app.db) }],
  navigation: [{ href: '/admin/users', label: 'Users', permission: 'users:manage', admin: true }],
};
