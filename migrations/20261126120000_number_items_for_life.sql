-- An item keeps its number for life: a removed item leaves a gap, and new items get numbers
-- after the highest one the order has ever given. Labels read "order · number/last number".
alter table orders add column last_item_number integer not null default 0;
update orders o set last_item_number = coalesce((select max(li.position) from line_items li where li.order_id = o.id), 0);
