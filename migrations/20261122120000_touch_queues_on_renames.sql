-- Queue rows show the names of customers, machines, materials and assignees. Renaming one
-- bumps every queue's change number, so open queues refresh and no queue page is served from
-- a copy read before the rename.
create function touch_every_queue() returns trigger language plpgsql as $$
begin
  insert into queue_changes (queue_key, delta) select key, 0 from queues;
  return null;
end;
$$;

create trigger customers_renamed after update of name on customers
  for each statement execute function touch_every_queue();
create trigger machines_renamed after update of name on machines
  for each statement execute function touch_every_queue();
create trigger materials_renamed after update of name on materials
  for each statement execute function touch_every_queue();
create trigger users_renamed after update of name on users
  for each statement execute function touch_every_queue();
