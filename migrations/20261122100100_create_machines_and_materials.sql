create table machines (
  id integer generated always as identity primary key,
  name text not null,
  active boolean not null default true,
  created_at timestamptz not null default now()
);
create unique index machines_name_key on machines (lower(name));

create table materials (
  id integer generated always as identity primary key,
  name text not null,
  active boolean not null default true,
  created_at timestamptz not null default now()
);
create unique index materials_name_key on materials (lower(name));
