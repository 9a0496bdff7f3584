-- Who sees what. A customer belongs to a salesperson (taken from their latest order where
-- there is one); with the shop setting off, sales staff see only their own customers and
-- those customers' orders, items and documents. On by default: nothing changes until a shop
-- chooses it.
alter table customers add column salesperson_id integer references users (id) on delete set null;
update customers c
   set salesperson_id = (select o.salesperson_id from orders o where o.customer_id = c.id and o.salesperson_id is not null order by o.id desc limit 1);
create index customers_salesperson_idx on customers (salesperson_id, id);

alter table shop_settings add column sales_see_all_customers boolean not null default true;
