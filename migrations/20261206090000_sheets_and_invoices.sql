-- Generated documents (the work sheet and the price sheet) are frozen at approval: the version
-- approved is kept, and a later change to the order makes a new version beside it.
alter table documents add column frozen_version integer;
alter table documents add constraint documents_frozen_version_check check ((frozen_at is null) = (frozen_version is null));
create unique index documents_generated_idx on documents (owner_type, owner_id, kind) where kind <> 'upload';

-- What the price sheet and the invoice say about tax and payment.
alter table shop_settings
  add column tax_rate numeric(6, 3) not null default 0 check (tax_rate >= 0 and tax_rate < 100),
  add column tax_label text not null default 'Sales tax' check (length(tax_label) between 1 and 60),
  add column payment_terms text not null default 'Payment is due on receipt of the invoice.' check (length(payment_terms) <= 500);

-- Invoice numbers: one counter row, taken under its row lock inside the issuing transaction, so
-- two accountants issuing at once get consecutive numbers and a rolled-back issue leaves no gap.
create table invoice_numbering (
  id boolean primary key default true check (id),
  prefix text not null default 'INV-' check (length(prefix) <= 12),
  next_number integer not null default 1001 check (next_number > 0)
);
insert into invoice_numbering default values;

-- One invoice per order, issued by accounting from the approved price sheet. Its lines and
-- totals are copied in at issue: the invoice says what was invoiced, whatever the order says later.
create table invoices (
  id integer generated always as identity primary key,
  order_id integer not null unique references orders (id),
  number text not null unique,
  issued_on date not null,
  lines jsonb not null,
  subtotal numeric(12, 2) not null,
  tax_label text not null,
  tax_rate numeric(6, 3) not null,
  tax numeric(12, 2) not null,
  total numeric(12, 2) not null,
  payment_terms text not null,
  price_sheet_version integer,
  document_id integer not null references documents (id),
  issued_by integer references users (id),
  issued_at timestamptz not null default now()
);

create function invoices_are_final() returns trigger language plpgsql as $$
begin
  raise exception 'an issued invoice is final' using errcode = 'P0001';
end $$;
create trigger invoices_final before update or delete on invoices
  for each row execute function invoices_are_final();

-- A payment form carries a key made when the page was drawn: pressing Record twice records once.
alter table payments add column request_key uuid unique;
create trigger invoices_no_truncate before truncate on invoices
  for each statement execute function invoices_are_final();

-- What a generated version was drawn from (a hash of its content): a sheet whose order did not
-- change in anything it prints is not drawn again.
alter table document_versions add column source_sha256 text;

-- Cancelling an order now cancels its items; reopening it as a draft would leave a draft of
-- cancelled items. A cancelled order is final: "New order from this one" starts it again.
-- Orders cancelled before this left their items where they were: they are cancelled now too,
-- each with an event that says why, so nothing of a cancelled order is still being made.
create temporary table stranded_items on commit drop as
select li.id, li.status as from_status
  from line_items li
  join orders o on o.id = li.order_id
  join workflow_statuses os on os.workflow = o.workflow and os.key = o.status and os.kind = 'cancelled'
  join workflow_statuses ws on ws.workflow = li.workflow and ws.key = li.status and ws.kind in ('open', 'hold')
 where exists (select 1 from workflow_statuses c where c.workflow = li.workflow and c.key = 'cancelled' and c.kind = 'cancelled');
update line_items li
   set status = 'cancelled', status_entered_at = now(), held_from_status = null, hold_reason = null, version = li.version + 1, updated_at = now()
  from stranded_items s
 where li.id = s.id;
update work_logs w set ended_at = now() from stranded_items s where w.line_item_id = s.id and w.ended_at is null;
insert into events (actor_via, subject_type, subject_id, action, from_status, to_status, note, particulars)
select 'Traveler update', 'line_item', s.id, 'status-changed', s.from_status, 'cancelled', 'Its order was cancelled', jsonb_build_object('transition', 'Cancel', 'intent', 'cancel')
  from stranded_items s;
update queues q
   set item_count = (select count(*) from line_items li join workflow_statuses ws on ws.workflow = li.workflow and ws.key = li.status where ws.queue_key = q.key)
 where q.workflow = 'production' and exists (select 1 from stranded_items);
delete from workflow_transitions where workflow = 'order' and from_status = 'cancelled' and to_status = 'draft' and intent = 'reopen';
update workflows set revision = revision + 1 where key = 'order';
