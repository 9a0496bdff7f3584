import type { DbOrTx } from '../db/database.js';
import type { FulfillmentMethod, StatusKind, TransitionRequirement } from '../db/types.js';

export const fulfillmentMethods: { key: FulfillmentMethod; label: string }[] = [
  { key: 'pickup', label: 'Customer pickup' },
  { key: 'installation', label: 'Installation' },
  { key: 'delivery', label: 'Delivery' },
  { key: 'shipping', label: 'Shipping' },
];

export function isFulfillmentMethod(value: string): value is FulfillmentMethod {
  return fulfillmentMethods.some((method) => method.key === value);
}

export interface Queue {
  key: string;
  label: string;
  position: number;
  ownerRoles: string[];
  statuses: string[];
}

export interface Status {
  key: string;
  label: string;
  customerLabel: string;
  queueKey: string | null;
  kind: StatusKind;
  expectedMinutes: number | null;
  customerEmail: 'item-built' | 'item-completed' | null;
  fulfillmentMethod: FulfillmentMethod | null;
}

export interface Transition {
  from: string;
  to: string;
  label: string;
  roles: string[];
  requires: TransitionRequirement[];
  position: number;
}

export interface Workflow {
  queues: Queue[];
  statuses: Map<string, Status>;
  transitions: Transition[];
}

/** The production workflow as stored: read once per app instance (see WorkflowCache). */
export async function loadWorkflow(db: DbOrTx, workflow = 'production'): Promise<Workflow> {
  const [queueRows, statusRows, transitionRows] = await Promise.all([
    db.selectFrom('queues').selectAll().where('workflow', '=', workflow).orderBy('position').execute(),
    db.selectFrom('workflow_statuses').selectAll().where('workflow', '=', workflow).orderBy('position').execute(),
    db.selectFrom('workflow_transitions').selectAll().where('workflow', '=', workflow).orderBy('position').orderBy('id').execute(),
  ]);
  const statuses = new Map<string, Status>(
    statusRows.map((row) => [
      row.key,
      {
        key: row.key,
        label: row.label,
        customerLabel: row.customer_label,
        queueKey: row.queue_key,
        kind: row.kind,
        expectedMinutes: row.expected_minutes,
        customerEmail: row.customer_email,
        fulfillmentMethod: row.fulfillment_method,
      },
    ]),
  );
  const queues = queueRows.map((row) => ({
    key: row.key,
    label: row.label,
    position: row.position,
    ownerRoles: row.owner_roles,
    statuses: statusRows.filter((status) => status.queue_key === row.key).map((status) => status.key),
  }));
  const transitions = transitionRows.map((row) => ({
    from: row.from_status,
    to: row.to_status,
    label: row.label,
    roles: row.roles,
    requires: row.requires,
    position: row.position,
  }));
  return { queues, statuses, transitions };
}

/** The transitions out of a status that someone with these roles may make. */
export function transitionsFor(workflow: Workflow, fromStatus: string, roles: readonly string[]): Transition[] {
  return workflow.transitions.filter((transition) => transition.from === fromStatus && transition.roles.some((role) => roles.includes(role)));
}

export class WorkflowCache {
  private loaded: Promise<Workflow> | undefined;
  constructor(private readonly db: DbOrTx) {}
  get(): Promise<Workflow> {
    this.loaded ??= loadWorkflow(this.db).catch((error: unknown) => {
      this.loaded = undefined;
      throw error;
    });
    return this.loaded;
  }
}
