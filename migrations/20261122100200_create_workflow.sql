-- Workflows as data: queues group statuses; transitions say who may move an item where and
-- what they must say when they do. The production preset is seeded here; admins may edit it.
create table queues (
  key text primary key,
  workflow text not null,
  label text not null,
  position integer not null,
  owner_roles text[] not null default '{}',
  -- Bumped in the same transaction as any change to the queue's items: a refresh that finds
  -- the number it already has needs no rendering.
  change_seq bigint not null default 0,
  item_count integer not null default 0 check (item_count >= 0)
);

create table workflow_statuses (
  key text primary key,
  workflow text not null,
  label text not null,
  customer_label text not null,
  queue_key text references queues (key),
  kind text not null check (kind in ('open', 'hold', 'completed', 'cancelled')),
  position integer not null,
  expected_minutes integer,
  customer_email text check (customer_email in ('item-built', 'item-completed')),
  fulfillment_method text check (fulfillment_method in ('pickup', 'installation', 'delivery', 'shipping'))
);

create table workflow_transitions (
  id integer generated always as identity primary key,
  workflow text not null,
  from_status text not null references workflow_statuses (key),
  to_status text not null references workflow_statuses (key),
  label text not null,
  roles text[] not null,
  requires text[] not null default '{}'
    check (requires <@ array['fulfillment_method', 'tracking', 'reason', 'previous_status']::text[]),
  position integer not null default 0,
  unique (from_status, to_status)
);

insert into queues (key, workflow, label, position, owner_roles) values
  ('pending', 'production', 'Pending', 1, '{production}'),
  ('wip', 'production', 'Work in progress', 2, '{production}'),
  ('awaiting_pickup', 'production', 'Awaiting customer pickup', 3, '{fulfillment,sales}'),
  ('awaiting_installation', 'production', 'Awaiting installation', 4, '{fulfillment,installer}'),
  ('awaiting_delivery', 'production', 'Awaiting delivery', 5, '{fulfillment}'),
  ('awaiting_shipping', 'production', 'Awaiting shipping', 6, '{fulfillment}'),
  ('on_hold', 'production', 'On hold', 7, '{production,sales}');

insert into workflow_statuses (key, workflow, label, customer_label, queue_key, kind, position, expected_minutes, customer_email, fulfillment_method) values
  ('pending', 'production', 'Pending', 'Order received', 'pending', 'open', 1, 2880, null, null),
  ('in_progress', 'production', 'Work in progress', 'In production', 'wip', 'open', 2, 2880, null, null),
  ('awaiting_pickup', 'production', 'BUILT · awaiting customer pickup', 'Ready for pickup', 'awaiting_pickup', 'open', 3, 4320, 'item-built', 'pickup'),
  ('awaiting_installation', 'production', 'BUILT · awaiting installation', 'Built, installation being scheduled', 'awaiting_installation', 'open', 4, 7200, 'item-built', 'installation'),
  ('awaiting_delivery', 'production', 'BUILT · awaiting delivery', 'Built, out for delivery soon', 'awaiting_delivery', 'open', 5, 2880, 'item-built', 'delivery'),
  ('awaiting_shipping', 'production', 'BUILT · awaiting shipping', 'Built, ships soon', 'awaiting_shipping', 'open', 6, 1440, 'item-built', 'shipping'),
  ('picked_up', 'production', 'Picked up', 'Picked up', null, 'completed', 7, null, 'item-completed', 'pickup'),
  ('installed', 'production', 'Installed', 'Installed', null, 'completed', 8, null, 'item-completed', 'installation'),
  ('delivered', 'production', 'Delivered', 'Delivered', null, 'completed', 9, null, 'item-completed', 'delivery'),
  ('shipped', 'production', 'Shipped', 'Shipped', null, 'completed', 10, null, 'item-completed', 'shipping'),
  ('on_hold', 'production', 'On hold', 'On hold', 'on_hold', 'hold', 11, null, null, null),
  ('cancelled', 'production', 'Cancelled', 'Cancelled', null, 'cancelled', 12, null, null, null);

insert into workflow_transitions (workflow, from_status, to_status, label, roles, requires, position) values
  ('production', 'pending', 'in_progress', 'Start work', '{production,admin}', '{}', 1),
  ('production', 'in_progress', 'pending', 'Back to pending', '{production,admin}', '{}', 2),
  ('production', 'in_progress', 'awaiting_pickup', 'Mark BUILT', '{production,admin}', '{fulfillment_method}', 3),
  ('production', 'in_progress', 'awaiting_installation', 'Mark BUILT', '{production,admin}', '{fulfillment_method}', 3),
  ('production', 'in_progress', 'awaiting_delivery', 'Mark BUILT', '{production,admin}', '{fulfillment_method}', 3),
  ('production', 'in_progress', 'awaiting_shipping', 'Mark BUILT', '{production,admin}', '{fulfillment_method}', 3),
  ('production', 'awaiting_pickup', 'picked_up', 'Picked up', '{production,sales,fulfillment,admin}', '{}', 4),
  ('production', 'awaiting_installation', 'installed', 'Installed', '{production,sales,fulfillment,admin}', '{}', 4),
  ('production', 'awaiting_delivery', 'delivered', 'Delivered', '{production,sales,fulfillment,admin}', '{}', 4),
  ('production', 'awaiting_shipping', 'shipped', 'Shipped', '{production,sales,fulfillment,admin}', '{tracking}', 4),
  ('production', 'awaiting_pickup', 'in_progress', 'Back to work', '{production,admin}', '{reason}', 5),
  ('production', 'awaiting_installation', 'in_progress', 'Back to work', '{production,admin}', '{reason}', 5),
  ('production', 'awaiting_delivery', 'in_progress', 'Back to work', '{production,admin}', '{reason}', 5),
  ('production', 'awaiting_shipping', 'in_progress', 'Back to work', '{production,admin}', '{reason}', 5),
  ('production', 'picked_up', 'awaiting_pickup', 'Reopen', '{admin}', '{reason}', 9),
  ('production', 'installed', 'awaiting_installation', 'Reopen', '{admin}', '{reason}', 9),
  ('production', 'delivered', 'awaiting_delivery', 'Reopen', '{admin}', '{reason}', 9),
  ('production', 'shipped', 'awaiting_shipping', 'Reopen', '{admin}', '{reason}', 9),
  ('production', 'cancelled', 'pending', 'Reopen', '{admin}', '{reason}', 9);

-- On hold from every open status, and back to exactly where it was.
insert into workflow_transitions (workflow, from_status, to_status, label, roles, requires, position)
select 'production', key, 'on_hold', 'Put on hold', '{production,sales,admin}', '{reason}', 6
  from workflow_statuses where workflow = 'production' and kind = 'open';
insert into workflow_transitions (workflow, from_status, to_status, label, roles, requires, position)
select 'production', 'on_hold', key, 'Resume', '{production,sales,admin}', '{previous_status}', 7
  from workflow_statuses where workflow = 'production' and kind = 'open';
-- Cancelled from any open or held status.
insert into workflow_transitions (workflow, from_status, to_status, label, roles, requires, position)
select 'production', key, 'cancelled', 'Cancel', '{sales,admin}', '{reason}', 8
  from workflow_statuses where workflow = 'production' and kind in ('open', 'hold');
