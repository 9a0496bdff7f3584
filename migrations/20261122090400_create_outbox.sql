create table outbox (
  id bigint generated always as identity primary key,
  idempotency_key text not null unique,
  template text not null,
  to_address text not null,
  data jsonb not null default '{}',
  status text not null default 'pending'
    check (status in ('pending', 'sending', 'sent', 'captured', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  locked_until timestamptz,
  subject text,
  html_body text,
  text_body text,
  message_id text,
  smtp_response text,
  last_error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);

create index outbox_due_idx on outbox (next_attempt_at) where status in ('pending', 'sending');
