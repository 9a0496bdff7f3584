-- Money received against an order, recorded by accounting. Append-only: a refund or a
-- correction is a row of its own (a negative amount, saying which payment it corrects), never
-- an edit, so the record of what was received is never rewritten. The same rows will serve
-- contractor jobs.
create table payments (
  id integer generated always as identity primary key,
  order_id integer not null references orders (id),
  amount numeric(12, 2) not null check (amount <> 0),
  received_on date not null,
  method text not null check (method in ('cash', 'check', 'card', 'bank-transfer', 'financing', 'other')),
  description text not null default '' check (length(description) <= 500),
  corrects_id integer references payments (id),
  received_by integer references users (id),
  recorded_at timestamptz not null default now()
);
create index payments_order_idx on payments (order_id, id);

create function payments_are_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'payments are append-only: record a correction instead' using errcode = 'P0001';
end $$;
create trigger payments_append_only before update or delete on payments
  for each row execute function payments_are_append_only();
create trigger payments_no_truncate before truncate on payments
  for each statement execute function payments_are_append_only();
