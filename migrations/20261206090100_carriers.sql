-- Shipping carriers and where each one tracks a parcel: a link template with {number} in it,
-- so a tracking number entered at shipping becomes a link the customer can follow. The shop
-- edits them (Admin → Carriers); these four were built in before.
create table carriers (
  id integer generated always as identity primary key,
  name text not null check (length(name) between 1 and 60),
  tracking_url_template text not null check (length(tracking_url_template) between 1 and 500),
  active boolean not null default true,
  version integer not null default 1,
  created_at timestamptz not null default now()
);
create unique index carriers_name_idx on carriers (lower(name));

insert into carriers (name, tracking_url_template) values
  ('UPS', 'https://www.ups.com/track?tracknum={number}'),
  ('FedEx', 'https://www.fedex.com/fedextrack/?trknbr={number}'),
  ('USPS', 'https://tools.usps.com/go/TrackConfirmAction?tLabels={number}'),
  ('DHL', 'https://www.dhl.com/en/express/tracking.html?AWB={number}');

-- Before, any carrier whose name began with DHL got DHL's link ("DHL Express", "DHL eCommerce"):
-- the names items already shipped with are kept as carriers of their own, so their links stay.
insert into carriers (name, tracking_url_template)
select distinct on (lower(trim(carrier))) trim(carrier), 'https://www.dhl.com/en/express/tracking.html?AWB={number}'
  from line_items
 where carrier ~* '^\s*dhl' and length(trim(carrier)) between 1 and 60
on conflict (lower(name)) do nothing;
