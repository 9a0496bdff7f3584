import type { TravelerModule } from '../module.js';
import { invoiceRoutes } from './routes.js';

/** Invoices accounting issues from an order's approved price sheet: numbered in sequence, final once issued, kept as a PDF. */
export const invoices: TravelerModule = {
  name: 'invoices',
  routes: [invoiceRoutes],
};
