-- What the customer's email says about an item entering a status ("Please check the proof we
-- sent"), written by the admin in Admin → Workflows; empty: the status name alone.
alter table workflow_statuses
  add column customer_message text not null default '' check (length(customer_message) <= 500);
update workflow_statuses set customer_message = 'We will contact you to schedule the installation.' where workflow = 'production' and key = 'awaiting_installation';
