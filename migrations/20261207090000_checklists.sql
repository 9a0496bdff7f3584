-- Inspection and test plans. A checklist template applies to the items on a machine, of a
-- material, whose description names a product ("channel letter"), any mix of those, or to
-- every item; its steps are fabrication, post-processing and inspection work. What was done on
-- an item is one row per step (the latest result; its history is in events). Templates are live:
-- a step added today applies to every item not yet past the gate, as InvenTree's required tests do.
create table checklist_templates (
  id integer generated always as identity primary key,
  name text not null check (length(name) between 1 and 120),
  machine_id integer references machines (id),
  material_id integer references materials (id),
  description_contains text not null default '' check (length(description_contains) <= 120),
  active boolean not null default true,
  version integer not null default 1,
  created_at timestamptz not null default now()
);
create unique index checklist_templates_name_idx on checklist_templates (lower(name));

create table checklist_steps (
  id integer generated always as identity primary key,
  template_id integer not null references checklist_templates (id),
  position integer not null check (position between 1 and 1000),
  stage text not null check (stage in ('fabrication', 'post_processing', 'inspection')),
  kind text not null check (kind in ('check', 'pass_fail', 'measurement', 'photo')),
  label text not null check (length(label) between 1 and 200),
  instructions text not null default '' check (length(instructions) <= 2000),
  required boolean not null default true,
  unit text not null default '' check (length(unit) <= 20),
  lower_limit numeric(14, 4),
  upper_limit numeric(14, 4),
  active boolean not null default true,
  version integer not null default 1,
  check (kind = 'measurement' or (lower_limit is null and upper_limit is null)),
  check (kind <> 'measurement' or lower_limit is not null or upper_limit is not null),
  check (lower_limit is null or upper_limit is null or lower_limit <= upper_limit)
);
create index checklist_steps_template_idx on checklist_steps (template_id, position, id);

create table item_checks (
  line_item_id integer not null references line_items (id) on delete cascade,
  step_id integer not null references checklist_steps (id),
  outcome text not null check (outcome in ('done', 'passed', 'failed', 'waived')),
  measured numeric(14, 4),
  -- The limits the measurement was judged against, as they were then.
  lower_limit numeric(14, 4),
  upper_limit numeric(14, 4),
  photo_id bigint references item_photos (id) on delete set null,
  -- A waiver's reason, or a failure's note.
  note text not null default '' check (length(note) <= 1000),
  recorded_by integer not null references users (id),
  kiosk_id integer references kiosks (id) on delete set null,
  version integer not null default 1,
  recorded_at timestamptz not null default now(),
  primary key (line_item_id, step_id)
);

alter table workflow_transitions drop constraint workflow_transitions_requires_check;
alter table workflow_transitions add constraint workflow_transitions_requires_check
  check (requires <@ array['fulfillment_method', 'tracking', 'reason', 'previous_status', 'reason_code', 'checklist']::text[]);

-- Marking an item BUILT needs its checklist done (or waived by QA); an item with no checklist
-- passes as before. Admins may add the requirement to shipping, or take it off, in Admin → Workflows.
update workflow_transitions
   set requires = requires || array['checklist']
 where workflow = 'production' and intent = 'built' and not ('checklist' = any(requires));
