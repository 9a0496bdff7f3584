-- Expected times keep the unit the admin chose: "1.5 days" is one and a half of the shop's
-- working days, not 36 working hours. Whole days stored before this were days.
alter table workflow_statuses
  add column expected_unit text not null default 'hours' check (expected_unit in ('hours', 'days'));
update workflow_statuses set expected_unit = 'days' where expected_minutes is not null and expected_minutes % 1440 = 0;

-- A customer pickup waits on the customer coming by, not on the shop.
update workflow_statuses set waits_on = 'customer' where workflow = 'production' and key = 'awaiting_pickup' and waits_on = 'shop';
