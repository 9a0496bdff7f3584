import type { TravelerModule } from '../module.js';
import { workflowAdminRoutes } from './routes.js';

/** Admin → Workflows: statuses, moves and queues of every workflow, checked as a whole graph. */
export const workflowEditor: TravelerModule = {
  name: 'workflow-editor',
  routes: [workflowAdminRoutes],
  navigation: [{ href: '/admin/workflows', label: 'Workflows', permission: 'workflows:manage', admin: true }],
};
