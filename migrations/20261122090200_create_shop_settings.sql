create table shop_settings (
  id boolean primary key default true check (id),
  shop_name text not null default 'Our shop',
  reply_to_email text,
  updated_at timestamptz not null default now(),
  version integer not null default 1
);

insert into shop_settings default values;
