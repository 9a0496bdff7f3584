-- The queue's free-text search and its Customer column include the customer's company.
update line_items li
   set search_text = lower(li.order_number || ' ' || c.name || ' ' || c.company || ' ' || li.description)
  from customers c
 where c.id = li.customer_id and c.company <> '';

drop trigger customers_renamed on customers;
create trigger customers_renamed after update of name, company on customers
  for each statement execute function touch_every_queue();
