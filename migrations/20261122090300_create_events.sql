create table events (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  actor_user_id integer references users (id),
  actor_via text,
  subject_type text not null,
  subject_id bigint not null,
  action text not null,
  from_status text,
  to_status text,
  note text,
  particulars jsonb not null default '{}'
);

create index events_subject_idx on events (subject_type, subject_id, id);
create index events_actor_idx on events (actor_user_id, occurred_at);
