-- message_token makes each row's Message-ID stable across resends; the default is volatile, so
-- rows already queued get a token of their own. claim_token names the sender holding a row's
-- lease: a sender records its result only while the token is still the one it claimed with.
alter table outbox
  add column message_token text not null default replace(gen_random_uuid()::text, '-', ''),
  add column claim_token uuid;
