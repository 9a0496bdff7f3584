import type { TravelerModule } from '../module.js';
import { mailboxRoutes } from './routes.js';

/** The outbox's sender and, without SMTP, the mailbox an admin reads. */
export const mail: TravelerModule = {
  name: 'mail',
  routes: [mailboxRoutes],
  // Rows are claimed with FOR UPDATE SKIP LOCKED: several instances never send one twice.
  jobs: [{ name: 'deliver-mail', cron: '*/10 * * * * *', run: async (app) => app.mail.nudge() }],
  navigation: [{ href: '/admin/mailbox', label: 'Mailbox', permission: 'mailbox:read', admin: true }],
};
