-- Tokens sent in email links. Only the SHA-256 of the token is kept.
create table access_tokens (
  id bigint generated always as identity primary key,
  token_hash text not null unique,
  purpose text not null,
  subject_type text not null,
  subject_id bigint not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  created_by integer references users (id),
  created_at timestamptz not null default now()
);

create index access_tokens_subject_idx on access_tokens (subject_type, subject_id);
