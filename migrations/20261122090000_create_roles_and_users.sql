create table roles (
  name text primary key,
  label text not null,
  description text not null,
  position integer not null
);

insert into roles (name, label, description, position) values
  ('admin', 'Admin', 'Manages users, settings and workflows; may do everything.', 1),
  ('sales', 'Sales', 'Takes orders, talks to customers and collects payment.', 2),
  ('production', 'Production', 'Builds products and moves them through the shop queues.', 3),
  ('fulfillment', 'Fulfillment', 'Hands products over: pickup, delivery and shipping.', 4),
  ('installer', 'Installer', 'Installs products on site; sees only their own jobs.', 5),
  ('service', 'Service', 'Runs service tickets and the technicians'' calendar.', 6),
  ('accounting', 'Accounting', 'Approves prices and invoices, tracks payments.', 7),
  ('qa', 'QA', 'Checks quality and approves orders.', 8);

create table users (
  id integer generated always as identity primary key,
  email text not null,
  name text not null,
  password_hash text not null,
  active boolean not null default true,
  version integer not null default 1,
  last_login_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create unique index users_email_key on users (lower(email));

create table user_roles (
  user_id integer not null references users (id) on delete cascade,
  role text not null references roles (name),
  primary key (user_id, role)
);
