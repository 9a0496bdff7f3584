import type { TravelerModule } from '../module.js';
import { checklistGate } from './item-checklist.js';
import { checklistRoutes } from './routes.js';

/**
 * Inspection and test plans: checklist templates per machine, material or product, each
 * item's steps done at a kiosk or in the office, and the gate that keeps an item from BUILT
 * until every required step passed or QA waived it.
 */
export const checklists: TravelerModule = {
  name: 'checklists',
  routes: [checklistRoutes],
  gates: [{ subjectType: 'line_item', requirement: 'checklist', check: (tx, { row }) => checklistGate(tx, row.id) }],
  navigation: [{ href: '/admin/checklists', label: 'Checklists', permission: 'checklists:manage', admin: true }],
};
