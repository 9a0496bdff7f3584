-- Every tracked thing (line items now; orders, jobs, tickets, quotes next) moves through a
-- workflow of its own. Statuses, queues and transitions are keyed by (workflow, key), so two
-- workflows may both have a "pending" or "complete"; the production-only CHECKs give way to
-- per-workflow validation in the subject type's code (src/workflow/subjects.ts).
create table workflows (
  key text primary key check (key ~ '^[a-z][a-z0-9_]{0,39}$'),
  -- The subject id of the workflow's own events (edits in Admin → Workflows).
  id integer generated always as identity unique,
  label text not null,
  -- The kind of row that moves through it (events.subject_type), e.g. 'line_item'.
  subject_type text not null,
  -- Bumped by every change to the workflow's statuses, queues or transitions: app instances
  -- compare it to the copy they hold and read the workflow afresh when it moved.
  revision bigint not null default 1
);
insert into workflows (key, label, subject_type) values ('production', 'Production', 'line_item');

-- References by bare key go; they come back below as (workflow, key).
alter table line_items drop constraint line_items_status_fkey,
                       drop constraint line_items_held_from_status_fkey;
alter table customer_updates drop constraint customer_updates_status_fkey;
alter table workflow_transitions drop constraint workflow_transitions_from_status_fkey,
                                 drop constraint workflow_transitions_to_status_fkey,
                                 drop constraint workflow_transitions_from_status_to_status_key,
                                 drop constraint workflow_transitions_requires_check;
alter table workflow_statuses drop constraint workflow_statuses_queue_key_fkey,
                              drop constraint workflow_statuses_customer_email_check,
                              drop constraint workflow_statuses_fulfillment_method_check;
alter table queue_changes drop constraint queue_changes_queue_key_fkey;
alter table queue_subscriptions drop constraint queue_subscriptions_queue_key_fkey;
alter table queue_visits drop constraint queue_visits_queue_key_fkey;
alter table saved_views drop constraint saved_views_queue_key_fkey;

alter table queues drop constraint queues_pkey,
                   add primary key (workflow, key),
                   add foreign key (workflow) references workflows (key) on delete cascade,
                   add check (key ~ '^[a-z][a-z0-9_]{0,39}$');

alter table workflow_statuses drop constraint workflow_statuses_pkey,
                              add primary key (workflow, key),
                              add foreign key (workflow) references workflows (key) on delete cascade,
                              add foreign key (workflow, queue_key) references queues (workflow, key),
                              add check (key ~ '^[a-z][a-z0-9_]{0,39}$'),
                              -- Whose move it is while the status lasts: waiting on the customer or a
                              -- vendor pauses the shop's clock.
                              add column waits_on text not null default 'shop' check (waits_on in ('shop', 'customer', 'vendor')),
                              -- Entering the status alerts everyone holding one of these roles.
                              add column alert_roles text[] not null default '{}',
                              -- New rows of the workflow's subject start in the first initial status.
                              add column initial boolean not null default false,
                              add check (customer_email is null or customer_email ~ '^[a-z][a-z0-9-]{0,39}$');
update workflow_statuses set initial = true where workflow = 'production' and key = 'pending';

-- What a transition means, whatever an admin calls it: code and templates decide by intent.
alter table workflow_transitions
  add column intent text,
  add foreign key (workflow) references workflows (key) on delete cascade,
  add foreign key (workflow, from_status) references workflow_statuses (workflow, key) on delete cascade,
  add foreign key (workflow, to_status) references workflow_statuses (workflow, key) on delete cascade,
  add unique (workflow, from_status, to_status);
-- Intents from what each transition does, as the code decided before (labels may have been renamed).
update workflow_transitions t set intent = case
  when 'fulfillment_method' = any(t.requires) then 'built'
  when 'previous_status' = any(t.requires) then 'resume'
  when target.kind = 'hold' then 'hold'
  when target.kind = 'cancelled' then 'cancel'
  when origin.kind in ('completed', 'cancelled') then 'reopen'
  when target.kind = 'completed' then 'complete'
  when target.position < origin.position then 'back'
  when exists (select 1 from workflow_transitions built
                where built.workflow = t.workflow and built.from_status = t.to_status
                  and 'fulfillment_method' = any(built.requires)) then 'start'
  else 'advance' end
  from workflow_statuses origin, workflow_statuses target
 where origin.workflow = t.workflow and origin.key = t.from_status
   and target.workflow = t.workflow and target.key = t.to_status;
alter table workflow_transitions
  alter column intent set not null,
  add check (intent in ('start', 'advance', 'built', 'complete', 'hold', 'resume', 'cancel', 'reopen', 'back', 'approve', 'reject')),
  add check (requires <@ array['fulfillment_method', 'tracking', 'reason', 'previous_status']::text[]);

-- Subject tables carry their workflow; status and hold status belong to it. A subject table
-- holds one workflow's rows (the CHECK), so its queue queries read statuses by key alone and
-- keep their index-only scans on (status, ...).
alter table line_items add column workflow text not null default 'production';
alter table line_items
  add constraint line_items_one_workflow check (workflow = 'production'),
  add foreign key (workflow) references workflows (key),
  add foreign key (workflow, status) references workflow_statuses (workflow, key),
  add foreign key (workflow, held_from_status) references workflow_statuses (workflow, key);

alter table customer_updates add column workflow text not null default 'production';
alter table customer_updates add foreign key (workflow, status) references workflow_statuses (workflow, key) on delete cascade;

-- Queue bookkeeping names the queue's workflow too.
alter table queue_changes add column workflow text not null default 'production';
alter table queue_changes add foreign key (workflow, queue_key) references queues (workflow, key) on delete cascade;
drop index queue_changes_queue_idx;
create index queue_changes_queue_idx on queue_changes (workflow, queue_key);

alter table queue_subscriptions add column workflow text not null default 'production';
alter table queue_subscriptions drop constraint queue_subscriptions_pkey,
  add primary key (user_id, workflow, queue_key),
  add foreign key (workflow, queue_key) references queues (workflow, key) on delete cascade on update cascade;
alter table queue_visits add column workflow text not null default 'production';
alter table queue_visits drop constraint queue_visits_pkey,
  add primary key (user_id, workflow, queue_key),
  add foreign key (workflow, queue_key) references queues (workflow, key) on delete cascade on update cascade;
alter table saved_views add column workflow text not null default 'production';
alter table saved_views add foreign key (workflow, queue_key) references queues (workflow, key) on delete cascade on update cascade;
drop index saved_views_name_key;
create unique index saved_views_name_key on saved_views (user_id, workflow, queue_key, lower(name));

drop view queue_totals;
create view queue_totals as
select q.workflow, q.key,
       q.item_count + coalesce(c.delta, 0) as item_count,
       q.change_seq + coalesce(c.changes, 0) as change_seq
  from queues q
  left join (select workflow, queue_key, sum(delta)::int as delta, count(*) as changes
               from queue_changes group by workflow, queue_key) c on c.workflow = q.workflow and c.queue_key = q.key;

create or replace function touch_every_queue() returns trigger language plpgsql as $$
begin
  insert into queue_changes (workflow, queue_key, delta) select workflow, key, 0 from queues;
  return null;
end;
$$;
