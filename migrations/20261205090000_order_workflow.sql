-- Orders move through a workflow of their own, the approval path around production, seeded
-- here as a preset admins may edit: Draft, reviews by accounting and QA (in parallel or one
-- after the other, a shop setting), Approved, Planned, In production (from its items),
-- Completed, Archived; a rejection returns the order to its manager with a reason.
-- The shop setting starts at "no approval": orders are created Approved and their items go
-- straight to Pending, as before. With approval, the items of an order not yet approved wait
-- in "Awaiting order approval", outside every production queue, until the order is approved.

alter table workflow_transitions drop constraint workflow_transitions_intent_check;
alter table workflow_transitions add constraint workflow_transitions_intent_check
  check (intent in ('start', 'advance', 'built', 'complete', 'hold', 'resume', 'cancel', 'reopen', 'back', 'approve', 'reject',
                    'submit', 'release', 'plan', 'produce', 'archive'));
alter table workflow_transitions drop constraint workflow_transitions_requires_check;
alter table workflow_transitions add constraint workflow_transitions_requires_check
  check (requires <@ array['fulfillment_method', 'tracking', 'reason', 'previous_status', 'reason_code']::text[]);

alter table shop_settings add column order_approval text not null default 'none'
  check (order_approval in ('none', 'parallel', 'sequence'));

insert into workflows (key, label, subject_type) values ('order', 'Orders', 'order');

insert into queues (key, workflow, label, position, owner_roles) values
  ('drafts', 'order', 'Drafts and returned orders', 1, '{sales}'),
  ('review', 'order', 'Waiting for accounting and QA', 2, '{accounting,qa}'),
  ('accounting', 'order', 'Accounting review', 3, '{accounting}'),
  ('qa', 'order', 'QA review', 4, '{qa}'),
  ('planning', 'order', 'Approved, to plan', 5, '{production,sales}'),
  ('in_work', 'order', 'Planned and in production', 6, '{production,sales}');

insert into workflow_statuses (workflow, key, label, customer_label, queue_key, kind, position, expected_minutes, expected_unit, waits_on, initial) values
  ('order', 'draft', 'Draft', 'Being prepared', 'drafts', 'open', 1, null, 'hours', 'shop', true),
  ('order', 'rejected', 'Returned to the manager', 'Being prepared', 'drafts', 'open', 2, 480, 'hours', 'shop', false),
  ('order', 'submitted', 'Waiting for accounting and QA', 'Being confirmed', 'review', 'open', 3, 480, 'hours', 'shop', false),
  ('order', 'accounting_review', 'Accounting review', 'Being confirmed', 'accounting', 'open', 4, 480, 'hours', 'shop', false),
  ('order', 'qa_review', 'QA review', 'Being confirmed', 'qa', 'open', 5, 480, 'hours', 'shop', false),
  ('order', 'approved', 'Approved', 'Confirmed', 'planning', 'open', 6, 960, 'hours', 'shop', false),
  ('order', 'planned', 'Planned', 'Scheduled for production', 'in_work', 'open', 7, null, 'hours', 'shop', false),
  ('order', 'in_production', 'In production', 'In production', 'in_work', 'open', 8, null, 'hours', 'shop', false),
  ('order', 'completed', 'Completed', 'Completed', null, 'completed', 9, null, 'hours', 'shop', false),
  ('order', 'archived', 'Archived', 'Completed', null, 'completed', 10, null, 'hours', 'shop', false),
  ('order', 'cancelled', 'Cancelled', 'Cancelled', null, 'cancelled', 11, null, 'hours', 'shop', false);

insert into workflow_transitions (workflow, from_status, to_status, label, roles, requires, position, intent) values
  ('order', 'draft', 'submitted', 'Submit for review', '{sales,admin}', '{}', 1, 'submit'),
  ('order', 'draft', 'accounting_review', 'Submit for review', '{sales,admin}', '{}', 1, 'submit'),
  ('order', 'rejected', 'submitted', 'Resubmit', '{sales,admin}', '{}', 1, 'submit'),
  ('order', 'rejected', 'accounting_review', 'Resubmit', '{sales,admin}', '{}', 1, 'submit'),
  -- In parallel the first approval sends the order to the other reviewer; one after the other,
  -- accounting goes first. The order's reviews (order_reviews) say which step applies.
  ('order', 'submitted', 'qa_review', 'Approve for accounting', '{accounting,admin}', '{}', 2, 'approve'),
  ('order', 'submitted', 'accounting_review', 'Approve for QA', '{qa,admin}', '{}', 2, 'approve'),
  ('order', 'accounting_review', 'qa_review', 'Approve', '{accounting,admin}', '{}', 2, 'approve'),
  ('order', 'accounting_review', 'approved', 'Approve', '{accounting,admin}', '{}', 2, 'approve'),
  ('order', 'qa_review', 'approved', 'Approve', '{qa,admin}', '{}', 2, 'approve'),
  ('order', 'submitted', 'rejected', 'Reject', '{accounting,qa,admin}', '{reason,reason_code}', 3, 'reject'),
  ('order', 'accounting_review', 'rejected', 'Reject', '{accounting,admin}', '{reason,reason_code}', 3, 'reject'),
  ('order', 'qa_review', 'rejected', 'Reject', '{qa,admin}', '{reason,reason_code}', 3, 'reject'),
  ('order', 'approved', 'planned', 'Mark planned', '{production,sales,admin}', '{}', 4, 'plan'),
  -- Moves that follow from others (production started with the first item, finished with the
  -- last; items released when their order is approved) are made by Traveler on behalf of the
  -- person whose move caused them; only an admin makes them by hand.
  ('order', 'approved', 'in_production', 'Production started', '{admin}', '{}', 5, 'produce'),
  ('order', 'planned', 'in_production', 'Production started', '{admin}', '{}', 5, 'produce'),
  ('order', 'approved', 'completed', 'Completed', '{admin}', '{}', 6, 'complete'),
  ('order', 'planned', 'completed', 'Completed', '{admin}', '{}', 6, 'complete'),
  ('order', 'in_production', 'completed', 'Completed', '{admin}', '{}', 6, 'complete'),
  ('order', 'completed', 'in_production', 'Back in production', '{admin}', '{}', 7, 'reopen'),
  ('order', 'completed', 'archived', 'Archive', '{sales,accounting,admin}', '{}', 8, 'archive'),
  ('order', 'archived', 'completed', 'Take out of the archive', '{sales,accounting,admin}', '{}', 9, 'reopen'),
  ('order', 'cancelled', 'draft', 'Reopen as a draft', '{sales,admin}', '{reason}', 9, 'reopen');
insert into workflow_transitions (workflow, from_status, to_status, label, roles, requires, position, intent)
select 'order', key, 'cancelled', 'Cancel the order', '{sales,admin}', '{reason}', 10, 'cancel'
  from workflow_statuses where workflow = 'order' and key in ('draft', 'rejected', 'submitted', 'accounting_review', 'qa_review', 'approved', 'planned');

-- Items of an order waiting for approval start here, where the release to production leaves
-- from (the editor counts it as a start); other items start at Pending as before.
insert into workflow_statuses (workflow, key, label, customer_label, queue_key, kind, position, expected_minutes, expected_unit, waits_on, initial)
select 'production', 'awaiting_approval', 'Awaiting order approval', 'Order being confirmed', null, 'open', 0, null, 'hours', 'shop', false
 where exists (select 1 from workflows where key = 'production');
insert into workflow_transitions (workflow, from_status, to_status, label, roles, requires, position, intent)
select 'production', 'awaiting_approval', 'pending', 'Release to production', '{admin}', '{}', 1, 'release'
 where exists (select 1 from workflow_statuses where workflow = 'production' and key = 'pending');
insert into workflow_transitions (workflow, from_status, to_status, label, roles, requires, position, intent)
select 'production', 'awaiting_approval', 'cancelled', 'Cancel', '{sales,admin}', '{reason}', 8, 'cancel'
 where exists (select 1 from workflow_statuses where workflow = 'production' and key = 'cancelled');

alter table orders
  add column workflow text not null default 'order' references workflows (key) check (workflow = 'order'),
  add column status text,
  add column status_entered_at timestamptz not null default now(),
  add column held_from_status text,
  add column hold_reason text,
  -- Each submission is a new round of reviews; reviewers compare with what they saw last round.
  add column review_round integer not null default 0,
  add column copied_from_id integer references orders (id) on delete set null;

-- Orders already in the shop went to production without approval: where their items are says where they are.
update orders o
   set status = case
         when s.items > 0 and s.cancelled_items = s.items then 'cancelled'
         when s.open_items = 0 and s.items > 0 then 'completed'
         when s.started > 0 then 'in_production'
         else 'approved'
       end,
       status_entered_at = coalesce(case when s.open_items = 0 and s.items > 0 then s.finished_at end, o.created_at)
  from (
    select o2.id,
           count(li.id) as items,
           count(li.id) filter (where ws.kind in ('open', 'hold')) as open_items,
           count(li.id) filter (where not ws.initial and ws.kind <> 'cancelled') as started,
           count(li.id) filter (where ws.kind = 'cancelled') as cancelled_items,
           max(li.completed_at) as finished_at
      from orders o2
      left join line_items li on li.order_id = o2.id
      left join workflow_statuses ws on ws.workflow = li.workflow and ws.key = li.status
     group by o2.id
  ) s
 where s.id = o.id;
alter table orders alter column status set not null;
alter table orders
  add constraint orders_workflow_status_fkey foreign key (workflow, status) references workflow_statuses (workflow, key),
  add constraint orders_workflow_held_from_status_fkey foreign key (workflow, held_from_status) references workflow_statuses (workflow, key);
create index orders_status_idx on orders (status, status_entered_at, id);
create index orders_copied_from_idx on orders (copied_from_id, number) where copied_from_id is not null;

update queues q
   set item_count = (select count(*) from orders o join workflow_statuses ws on ws.workflow = o.workflow and ws.key = o.status where ws.queue_key = q.key)
 where q.workflow = 'order';

-- One row per reviewer's decision in a round; what the order looked like then, to show what changed since.
create table order_reviews (
  id integer generated always as identity primary key,
  order_id integer not null references orders (id) on delete cascade,
  round integer not null,
  kind text not null check (kind in ('accounting', 'qa')),
  decision text not null check (decision in ('approved', 'rejected')),
  reason_code text,
  comment text not null default '' check (length(comment) <= 2000),
  decided_by integer references users (id),
  decided_at timestamptz not null default now(),
  snapshot jsonb not null,
  unique (order_id, round, kind),
  check ((decision = 'rejected') = (reason_code is not null))
);
