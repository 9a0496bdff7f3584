-- The alerts center: conditions the alert sweep finds (items late in a status or forecast to miss
-- their due date, items waiting on the customer, quality holds, emails and scheduled jobs that
-- failed). One open row per condition (dedupe_key); when the condition ends the row is cleared and
-- kept as history. Acknowledging or snoozing is a person's answer, with their reason.
create table shop_alerts (
  id bigint generated always as identity primary key,
  dedupe_key text not null,
  kind text not null check (kind in ('late', 'forecast_late', 'waiting_on_customer', 'quality_hold', 'mail_failed', 'job_failed')),
  workflow text,
  status text,
  queue_key text,
  line_item_id integer references line_items (id) on delete cascade,
  order_id integer references orders (id) on delete cascade,
  customer_id integer references customers (id) on delete cascade,
  -- What the condition is about beyond the item: the email's address and error, the job's name.
  detail jsonb not null default '{}',
  since timestamptz not null,
  raised_at timestamptz not null default now(),
  cleared_at timestamptz,
  acknowledged_at timestamptz,
  acknowledged_by integer references users (id) on delete set null,
  snoozed_until timestamptz,
  snoozed_by integer references users (id) on delete set null,
  answer_reason text,
  version integer not null default 1
);
create unique index shop_alerts_open_key_idx on shop_alerts (dedupe_key) where cleared_at is null;
create index shop_alerts_open_idx on shop_alerts (kind, since, id) where cleared_at is null;
create index shop_alerts_open_queue_idx on shop_alerts (queue_key, since, id) where cleared_at is null;
create index shop_alerts_item_idx on shop_alerts (line_item_id) where line_item_id is not null;
create index shop_alerts_customer_idx on shop_alerts (customer_id, since) where cleared_at is null and customer_id is not null;
create index shop_alerts_cleared_idx on shop_alerts (cleared_at desc, id) where cleared_at is not null;

-- Every scheduled job's last runs, so a failing job becomes an alert rather than only a log line.
create table job_runs (
  name text primary key,
  last_started_at timestamptz,
  last_succeeded_at timestamptz,
  last_failed_at timestamptz,
  failing_since timestamptz,
  last_error text
);

-- A hold status can stand for a quality problem: items held there are quality flags.
alter table workflow_statuses add column quality_hold boolean not null default false;
