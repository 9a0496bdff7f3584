alter table shop_settings
  add column customer_emails_enabled boolean not null default true,
  add column customer_email_delay_seconds integer not null default 120
    check (customer_email_delay_seconds between 0 and 3600);

alter table users
  add column alert_emails boolean not null default false,
  add column queue_digest text not null default 'none' check (queue_digest in ('none', 'hourly', 'daily')),
  add column queue_digest_sent_at timestamptz;
