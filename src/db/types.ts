import type { ColumnType, Generated, Selectable } from 'kysely';

type CreatedAt = ColumnType<Date, Date | undefined, never>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json = ColumnType<Record<string, unknown>, string | undefined, string>;

export interface RolesTable {
  name: string;
  label: string;
  description: string;
  position: number;
}

export interface UsersTable {
  id: Generated<number>;
  email: string;
  name: string;
  password_hash: string;
  active: Generated<boolean>;
  version: Generated<number>;
  last_login_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: Timestamp;
  alert_emails: Generated<boolean>;
  queue_digest: Generated<'none' | 'hourly' | 'daily'>;
  /** The slot (start of the shop's hour or day) of the last digest claimed. */
  queue_digest_slot: NullableTimestamp;
  pin_hash: string | null;
  pin_failures: Generated<number>;
  pin_locked_until: NullableTimestamp;
}

export interface UserRolesTable {
  user_id: number;
  role: string;
}

export interface SessionsTable {
  id_hash: string;
  data: Json;
  user_id: number | null;
  expires_at: Timestamp;
  updated_at: Timestamp;
}

export interface ShopSettingsTable {
  id: Generated<boolean>;
  shop_name: string;
  reply_to_email: string | null;
  updated_at: Timestamp;
  version: Generated<number>;
  customer_emails_enabled: Generated<boolean>;
  customer_email_delay_seconds: Generated<number>;
  work_days: Generated<number[]>;
  work_day_starts_minute: Generated<number>;
  work_day_ends_minute: Generated<number>;
  order_approval: Generated<OrderApproval>;
  tax_rate: ColumnType<string, string | undefined, string>;
  tax_label: Generated<string>;
  payment_terms: Generated<string>;
  sales_see_all_customers: Generated<boolean>;
  archive_after_days: Generated<number>;
}

/** Whether orders need accounting and QA approval before production, and how the two reviews run. */
export const orderApprovals = ['none', 'parallel', 'sequence'] as const;
export type OrderApproval = (typeof orderApprovals)[number];

export interface StatusDurationsTable {
  workflow: string;
  status: string;
  scope: string;
  samples: number;
  p50_ms: number;
  p85_ms: number;
  refreshed_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface BatchesTable {
  id: Generated<number>;
  name: string;
  notes: Generated<string>;
  created_by: number | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
  version: Generated<number>;
}

export interface BatchItemsTable {
  batch_id: number;
  line_item_id: number;
  added_at: CreatedAt;
}

export interface MonitoringSnapshotsTable {
  workflow: string;
  taken_at: Date;
  data: unknown;
}

export interface ShopHolidaysTable {
  day: string;
  name: string;
}

export interface EventsTable {
  id: Generated<number>;
  occurred_at: CreatedAt;
  actor_user_id: number | null;
  actor_via: string | null;
  actor_role: Generated<string | null>;
  subject_type: string;
  subject_id: number;
  action: string;
  from_status: string | null;
  to_status: string | null;
  note: string | null;
  particulars: Json;
}

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'captured' | 'failed';

export interface OutboxTable {
  id: Generated<number>;
  idempotency_key: string;
  template: string;
  to_address: string;
  data: Json;
  status: ColumnType<OutboxStatus, OutboxStatus | undefined, OutboxStatus>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  locked_until: NullableTimestamp;
  subject: string | null;
  html_body: string | null;
  text_body: string | null;
  message_id: string | null;
  smtp_response: string | null;
  last_error: string | null;
  created_at: CreatedAt;
  sent_at: NullableTimestamp;
  message_token: Generated<string>;
  claim_token: string | null;
}

export interface AccessTokensTable {
  id: Generated<number>;
  token_hash: string;
  purpose: string;
  subject_type: string;
  subject_id: number;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_by: number | null;
  created_at: CreatedAt;
}

export interface QueueChangesTable {
  id: Generated<number>;
  workflow: Generated<string>;
  queue_key: string;
  delta: number;
}

export interface QueueTotalsView {
  workflow: string;
  key: string;
  item_count: number;
  change_seq: number;
}

export interface CustomersTable {
  id: Generated<number>;
  name: string;
  company: Generated<string>;
  email: Generated<string>;
  phone: Generated<string>;
  address: Generated<string>;
  email_updates: Generated<boolean>;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  salesperson_id: number | null;
}

export interface MaterialsTable {
  id: Generated<number>;
  name: string;
  active: Generated<boolean>;
  created_at: CreatedAt;
}

export interface MachinesTable extends MaterialsTable {
  /** Working minutes a day the machine can give planned work. */
  capacity_minutes: Generated<number>;
}

export type StatusKind = 'open' | 'hold' | 'completed' | 'cancelled';
export type FulfillmentMethod = 'pickup' | 'installation' | 'delivery' | 'shipping';
export type TransitionRequirement = 'fulfillment_method' | 'tracking' | 'reason' | 'previous_status' | 'reason_code' | 'checklist';
export const transitionIntents = ['start', 'advance', 'built', 'complete', 'hold', 'resume', 'cancel', 'reopen', 'back', 'approve', 'reject', 'submit', 'release', 'plan', 'produce', 'archive'] as const;
export type TransitionIntent = (typeof transitionIntents)[number];
export type WaitsOn = 'shop' | 'customer' | 'vendor';

export interface WorkflowsTable {
  key: string;
  id: Generated<number>;
  label: string;
  subject_type: string;
  revision: Generated<number>;
}

export interface QueuesTable {
  key: string;
  workflow: string;
  label: string;
  position: number;
  owner_roles: string[];
  change_seq: Generated<number>;
  item_count: Generated<number>;
}

export interface WorkflowStatusesTable {
  key: string;
  workflow: string;
  label: string;
  customer_label: string;
  queue_key: string | null;
  kind: StatusKind;
  position: number;
  expected_minutes: number | null;
  expected_unit: Generated<'hours' | 'days'>;
  customer_email: string | null;
  customer_message: Generated<string>;
  fulfillment_method: FulfillmentMethod | null;
  waits_on: Generated<WaitsOn>;
  alert_roles: Generated<string[]>;
  initial: Generated<boolean>;
  quality_hold: Generated<boolean>;
}

export interface WorkflowTransitionsTable {
  id: Generated<number>;
  workflow: string;
  from_status: string;
  to_status: string;
  label: string;
  roles: string[];
  requires: TransitionRequirement[];
  intent: TransitionIntent;
  position: Generated<number>;
}

type Money = ColumnType<string, string | number, string | number>;

export interface OrdersTable {
  id: Generated<number>;
  number: Generated<number>;
  customer_id: number;
  salesperson_id: number | null;
  due_date: string | null;
  notes: Generated<string>;
  total: ColumnType<string, string | number | undefined, string | number>;
  item_count: Generated<number>;
  /** The highest item number the order has given; items keep theirs for life. */
  last_item_number: Generated<number>;
  customer_emails_muted: Generated<boolean>;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  workflow: Generated<string>;
  status: string;
  status_entered_at: Generated<Timestamp>;
  held_from_status: string | null;
  hold_reason: string | null;
  /** Each submission for review starts a new round. */
  review_round: Generated<number>;
  copied_from_id: number | null;
}

export type OrderReviewKind = 'accounting' | 'qa';

export const documentVisibilities = ['internal', 'installers', 'customer'] as const;
export type DocumentVisibility = (typeof documentVisibilities)[number];
export type DocumentKind = 'upload' | 'work-sheet' | 'price-sheet' | 'invoice';
export type DocumentOwnerType = 'order' | 'line_item';

export interface DocumentsTable {
  id: Generated<number>;
  owner_type: DocumentOwnerType;
  owner_id: number;
  title: string;
  kind: Generated<DocumentKind>;
  visibility: Generated<DocumentVisibility>;
  latest_version: Generated<number>;
  version: Generated<number>;
  frozen_at: Date | null;
  frozen_version: number | null;
  created_by: number | null;
  created_at: CreatedAt;
}

export const paymentMethods = ['cash', 'check', 'card', 'bank-transfer', 'financing', 'other'] as const;
export type PaymentMethod = (typeof paymentMethods)[number];

export interface PaymentsTable {
  id: Generated<number>;
  order_id: number;
  amount: ColumnType<string, string, never>;
  received_on: ColumnType<string, string, never>;
  method: PaymentMethod;
  description: Generated<string>;
  corrects_id: number | null;
  received_by: number | null;
  recorded_at: CreatedAt;
  request_key: string | null;
}

export interface CarriersTable {
  id: Generated<number>;
  name: string;
  tracking_url_template: string;
  active: Generated<boolean>;
  version: Generated<number>;
  created_at: CreatedAt;
}

export type ChecklistStage = 'fabrication' | 'post_processing' | 'inspection';
export type ChecklistStepKind = 'check' | 'pass_fail' | 'measurement' | 'photo';
export type CheckOutcome = 'done' | 'passed' | 'failed' | 'waived';

export interface ChecklistTemplatesTable {
  id: Generated<number>;
  name: string;
  machine_id: number | null;
  material_id: number | null;
  description_contains: Generated<string>;
  active: Generated<boolean>;
  version: Generated<number>;
  created_at: CreatedAt;
}

/** numeric(14, 4): pg hands it over as text, kept exact. */
type Decimal = ColumnType<string | null, string | null | undefined, string | null>;

export interface ChecklistStepsTable {
  id: Generated<number>;
  template_id: number;
  position: number;
  stage: ChecklistStage;
  kind: ChecklistStepKind;
  label: string;
  instructions: Generated<string>;
  required: Generated<boolean>;
  unit: Generated<string>;
  lower_limit: Decimal;
  upper_limit: Decimal;
  active: Generated<boolean>;
  version: Generated<number>;
}

export interface ItemChecksTable {
  line_item_id: number;
  step_id: number;
  outcome: CheckOutcome;
  measured: Decimal;
  lower_limit: Decimal;
  upper_limit: Decimal;
  photo_id: number | null;
  note: Generated<string>;
  recorded_by: number;
  kiosk_id: number | null;
  version: Generated<number>;
  recorded_at: Timestamp;
}

export interface PlanningChangesTable {
  id: Generated<boolean>;
  seq: Generated<number>;
}

export interface InvoiceNumberingTable {
  id: Generated<boolean>;
  prefix: Generated<string>;
  next_number: Generated<number>;
}

/** One line of an issued invoice, as it was invoiced. */
export interface InvoiceLine {
  label: string;
  description: string;
  quantity: number;
  unitPrice: string;
  amount: string;
}

export interface InvoicesTable {
  id: Generated<number>;
  order_id: number;
  number: string;
  issued_on: ColumnType<string, string, never>;
  lines: ColumnType<InvoiceLine[], string, never>;
  subtotal: string;
  tax_label: string;
  tax_rate: string;
  tax: string;
  total: string;
  payment_terms: string;
  price_sheet_version: number | null;
  document_id: number;
  issued_by: number | null;
  issued_at: CreatedAt;
}

export interface DocumentVersionsTable {
  id: Generated<number>;
  document_id: number;
  version: number;
  file_name: string;
  content_type: string;
  size: number;
  sha256: string;
  content: Buffer;
  source_sha256: string | null;
  uploaded_by: number | null;
  uploaded_at: CreatedAt;
}

export interface OrderReviewsTable {
  id: Generated<number>;
  order_id: number;
  round: number;
  kind: OrderReviewKind;
  decision: 'approved' | 'rejected';
  reason_code: string | null;
  comment: Generated<string>;
  decided_by: number | null;
  decided_at: Generated<Timestamp>;
  snapshot: ColumnType<unknown, string, string>;
}

export interface LineItemsTable {
  id: Generated<number>;
  order_id: number;
  position: number;
  description: string;
  quantity: number;
  unit_price: Money;
  machine_id: number | null;
  material_id: number | null;
  fulfillment_method: FulfillmentMethod;
  due_date: string | null;
  assignee_id: number | null;
  notes: Generated<string>;
  workflow: Generated<string>;
  status: string;
  status_entered_at: Timestamp;
  held_from_status: string | null;
  hold_reason: string | null;
  carrier: string | null;
  tracking: string | null;
  completed_at: NullableTimestamp;
  order_number: number;
  customer_id: number;
  search_text: string;
  expected_work_minutes: number | null;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  planned_start: string | null;
  planned_end: string | null;
  plan_version: Generated<number>;
}

export interface CustomerUpdatesTable {
  id: Generated<number>;
  order_id: number;
  line_item_id: number;
  workflow: Generated<string>;
  status: string;
  created_at: Timestamp;
}

export interface AlertsTable {
  id: Generated<number>;
  user_id: number;
  kind: string;
  order_id: number | null;
  line_item_id: number | null;
  message: string;
  created_at: CreatedAt;
  read_at: NullableTimestamp;
}

export type ShopAlertKind = 'late' | 'forecast_late' | 'waiting_on_customer' | 'quality_hold' | 'mail_failed' | 'job_failed';

export interface ShopAlertsTable {
  id: Generated<number>;
  dedupe_key: string;
  kind: ShopAlertKind;
  workflow: string | null;
  status: string | null;
  queue_key: string | null;
  line_item_id: number | null;
  order_id: number | null;
  customer_id: number | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
  since: Date;
  raised_at: CreatedAt;
  cleared_at: NullableTimestamp;
  acknowledged_at: NullableTimestamp;
  acknowledged_by: number | null;
  snoozed_until: NullableTimestamp;
  snoozed_by: number | null;
  answer_reason: string | null;
  version: Generated<number>;
}

export interface JobRunsTable {
  name: string;
  last_started_at: NullableTimestamp;
  last_succeeded_at: NullableTimestamp;
  last_failed_at: NullableTimestamp;
  failing_since: NullableTimestamp;
  last_error: string | null;
}

export type ReportKind = 'items' | 'timeline' | 'summary';
export type ReportFormat = 'csv' | 'xlsx';
export type ReportExportStatus = 'queued' | 'running' | 'ready' | 'failed';

export interface ReportExportsTable {
  id: Generated<number>;
  requested_by: number;
  report: ReportKind;
  format: ReportFormat;
  scope: ColumnType<Record<string, unknown>, string, string>;
  title: string;
  file_name: string;
  status: ColumnType<ReportExportStatus, ReportExportStatus | undefined, ReportExportStatus>;
  rows_expected: Generated<number>;
  rows_done: Generated<number>;
  bytes: Generated<number>;
  attempts: Generated<number>;
  locked_until: NullableTimestamp;
  error: string | null;
  created_at: CreatedAt;
  finished_at: NullableTimestamp;
  expires_at: Date;
}

export interface ReportExportChunksTable {
  export_id: number;
  seq: number;
  data: Buffer;
}

export interface QueueSubscriptionsTable {
  user_id: number;
  workflow: Generated<string>;
  queue_key: string;
  subscribed: boolean;
}

export interface QueueVisitsTable {
  user_id: number;
  workflow: Generated<string>;
  queue_key: string;
  last_seen_at: Timestamp;
}

export interface SavedViewsTable {
  id: Generated<number>;
  user_id: number;
  workflow: Generated<string>;
  queue_key: string;
  name: string;
  query: string;
  created_at: CreatedAt;
}

export interface KiosksTable {
  id: Generated<number>;
  name: string;
  queue_keys: string[];
  machine_ids: number[];
  idle_seconds: Generated<number>;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface KioskEnrolmentsTable {
  id: Generated<number>;
  kiosk_id: number;
  code_hash: string;
  link_hash: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_by: number | null;
  created_at: CreatedAt;
}

export interface KioskDevicesTable {
  id: Generated<number>;
  kiosk_id: number;
  credential_hash: string;
  label: string;
  enrolled_at: CreatedAt;
  last_seen_at: Timestamp;
  revoked_at: NullableTimestamp;
  revoked_by: number | null;
  operator_user_id: number | null;
  operator_until: NullableTimestamp;
}

export interface WorkLogsTable {
  id: Generated<number>;
  line_item_id: number;
  user_id: number;
  kiosk_id: number | null;
  started_at: Timestamp;
  ended_at: NullableTimestamp;
}

export interface ItemNotesTable {
  id: Generated<number>;
  line_item_id: number;
  author_user_id: number;
  kiosk_id: number | null;
  body: string;
  created_at: CreatedAt;
}

export interface ItemPhotosTable {
  id: Generated<number>;
  line_item_id: number;
  uploaded_by: number;
  kiosk_id: number | null;
  width: number;
  height: number;
  image: Buffer;
  thumbnail: Buffer;
  created_at: CreatedAt;
}

export interface Database {
  kiosks: KiosksTable;
  kiosk_enrolments: KioskEnrolmentsTable;
  kiosk_devices: KioskDevicesTable;
  work_logs: WorkLogsTable;
  item_notes: ItemNotesTable;
  item_photos: ItemPhotosTable;
  roles: RolesTable;
  users: UsersTable;
  user_roles: UserRolesTable;
  sessions: SessionsTable;
  shop_settings: ShopSettingsTable;
  order_reviews: OrderReviewsTable;
  documents: DocumentsTable;
  payments: PaymentsTable;
  invoices: InvoicesTable;
  carriers: CarriersTable;
  planning_changes: PlanningChangesTable;
  checklist_templates: ChecklistTemplatesTable;
  checklist_steps: ChecklistStepsTable;
  item_checks: ItemChecksTable;
  invoice_numbering: InvoiceNumberingTable;
  document_versions: DocumentVersionsTable;
  shop_holidays: ShopHolidaysTable;
  status_durations: StatusDurationsTable;
  batches: BatchesTable;
  batch_items: BatchItemsTable;
  monitoring_snapshots: MonitoringSnapshotsTable;
  events: EventsTable;
  outbox: OutboxTable;
  access_tokens: AccessTokensTable;
  customers: CustomersTable;
  machines: MachinesTable;
  materials: MaterialsTable;
  workflows: WorkflowsTable;
  queues: QueuesTable;
  workflow_statuses: WorkflowStatusesTable;
  workflow_transitions: WorkflowTransitionsTable;
  orders: OrdersTable;
  line_items: LineItemsTable;
  customer_updates: CustomerUpdatesTable;
  alerts: AlertsTable;
  shop_alerts: ShopAlertsTable;
  job_runs: JobRunsTable;
  report_exports: ReportExportsTable;
  report_export_chunks: ReportExportChunksTable;
  queue_subscriptions: QueueSubscriptionsTable;
  queue_visits: QueueVisitsTable;
  saved_views: SavedViewsTable;
  queue_changes: QueueChangesTable;
  queue_totals: QueueTotalsView;
}

export type OutboxRow = Selectable<OutboxTable>;
