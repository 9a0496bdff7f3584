-- Production planning: how many working hours a day each machine has, and when each item is
-- planned to be made (whole days, start to end). The plan has a version of its own, so a
-- planner moving an item never conflicts with a worker moving it through the workflow.
alter table machines add column capacity_minutes integer not null default 480 check (capacity_minutes between 0 and 1440);

alter table line_items
  add column planned_start date,
  add column planned_end date,
  add column plan_version integer not null default 0;
alter table line_items add constraint line_items_plan_check
  check ((planned_start is null) = (planned_end is null) and (planned_end is null or planned_end between planned_start and planned_start + 366)) not valid;
alter table line_items validate constraint line_items_plan_check;

-- The board reads the few planned items overlapping a fortnight; most items are never planned.
create index line_items_planned_idx on line_items (planned_start, planned_end) include (id, machine_id, expected_work_minutes, status) where planned_start is not null;

-- Bumped by every plan change: an app instance reuses a board it read while this stays the same.
create table planning_changes (
  id boolean primary key default true check (id),
  seq bigint not null default 0
);
insert into planning_changes default values;
