import type { TravelerModule } from '../module.js';
import { orderFollowsItem } from './approval.js';
import { archiveCompletedOrders } from './archive.js';
import { orderApprovalRoutes } from './approval-routes.js';
import { orderRoutes } from './routes.js';
import { sheetsFollowCancellations } from './sheets.js';
import { orderSubject } from './subject.js';

/** Orders: entering and editing them, their own workflow of approval around production, their pages and travelers. */
export const orders: TravelerModule = {
  name: 'orders',
  routes: [orderRoutes, orderApprovalRoutes],
  navigation: [{ href: '/orders', label: 'Orders', permission: 'orders:view' }],
  subjectTypes: [orderSubject],
  // Each batch claims its orders with SKIP LOCKED: instances never archive the same order twice.
  jobs: [{ name: 'archive-completed-orders', cron: '23 * * * *', run: (app) => archiveCompletedOrders(app.db, new Date(), (message) => app.log.warn(message)) }],
  effects: [
    { subjectType: 'line_item', name: 'order-follows-items', run: orderFollowsItem },
    { subjectType: 'line_item', name: 'sheets-follow-cancellations', run: sheetsFollowCancellations },
  ],
};
