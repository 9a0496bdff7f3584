import { accounts } from './accounts/index.js';
import { batches } from './batches/index.js';
import { catalog } from './catalog/index.js';
import { charts } from './charts/index.js';
import { checklists } from './checklists/index.js';
import { customers } from './customers/index.js';
import { dashboard } from './dashboard/index.js';
import { documents } from './documents/index.js';
import { payments } from './payments/index.js';
import { planning } from './planning/index.js';
import { invoices } from './invoices/index.js';
import { carriers } from './carriers/index.js';
import { kiosk } from './kiosk/index.js';
import { lineItems } from './line-items/index.js';
import { mail } from './mail/index.js';
import { monitoring } from './monitoring/index.js';
import type { TravelerModule } from './module.js';
import { notifications } from './notifications/index.js';
import { operations } from './ops/index.js';
import { orders } from './orders/index.js';
import { production } from './production/index.js';
import { reports } from './reports/index.js';
import { settings } from './settings/index.js';
import { setup } from './setup/index.js';
import { setNavigation } from './platform/views.js';
import { workflowEditor } from './workflow-editor/index.js';
import { visibility } from './visibility/index.js';
import { foldQueueChanges } from './workflow/queue-changes.js';
import { registerEffect, registerGate, registerSubjectType } from './workflow/subjects.js';

/** The engine that moves every subject (src/workflow/, a library to the modules): its queue bookkeeping. */
const workflowEngine: TravelerModule = {
  name: 'workflow',
  // Folded under an advisory lock: one instance at a time.
  jobs: [{ name: 'fold-queue-changes', cron: '*/2 * * * * *', run: (app) => foldQueueChanges(app.db) }],
};

/** Every module of Traveler, in the order their navigation links appear (bar first, then the Admin menu). */
export const modules: readonly TravelerModule[] = [visibility, operations, setup, dashboard, orders, planning, documents, invoices, payments, monitoring, batches, reports, charts, customers, production, lineItems, notifications, accounts, catalog, kiosk, workflowEngine, workflowEditor, settings, carriers, checklists, mail];

/**
 * Registers what the modules add beyond routes and jobs: subject types, the effects hung off
 * their transitions, navigation. The app calls it as it builds; so do scripts and tests that
 * move things without the app.
 */
export function installModules(): void {
  for (const module of modules) {
    for (const subject of module.subjectTypes ?? []) registerSubjectType(subject);
    for (const effect of module.effects ?? []) registerEffect(effect);
    for (const gate of module.gates ?? []) registerGate(gate);
  }
  setNavigation(modules.flatMap((module) => module.navigation ?? []));
}
