import { sql } from 'kysely';
import type { Db } from '../src/db/database.js';

export const benchOrders = 250_000;
export const itemsPerOrder = 4;

/** Every queue's count, from the rows of the table its workflow moves. */
const recountQueues = sql`
  update queues q
     set item_count = case w.subject_type
           when 'line_item' then (select count(*)::int from line_items li join workflow_statuses ws on ws.workflow = li.workflow and ws.key = li.status where ws.workflow = q.workflow and ws.queue_key = q.key)
           when 'order' then (select count(*)::int from orders o join workflow_statuses ws on ws.workflow = o.workflow and ws.key = o.status where ws.workflow = q.workflow and ws.queue_key = q.key)
           else q.item_count end,
         change_seq = q.change_seq + 1
    from workflows w
   where w.key = q.workflow`;

/**
 * A large shop built with set-based SQL: 5,000 customers, 250,000 orders, 1,000,000 line
 * items. Most items are long finished, as in a shop with years of history; about 8% are in
 * the open queues, spread over machines, materials, assignees and due dates.
 */
export async function buildLargeShop(db: Db, log: (message: string) => void): Promise<void> {
  const step = async (label: string, query: ReturnType<typeof sql>) => {
    const started = Date.now();
    await query.execute(db);
    log(`  ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  };
  await step('machines, materials, people', sql`
    insert into machines (name) values ('CNC router'), ('Large-format printer'), ('Laser engraver'), ('Vinyl cutter');
    insert into materials (name) values ('Acrylic'), ('Aluminum'), ('Vinyl'), ('Coroplast'), ('PVC');
    insert into users (name, email, password_hash, updated_at)
      select 'Bench worker ' || n, 'worker' || n || '@bench.test', 'x', now() from generate_series(1, 20) n;
  `);
  await step('5,000 customers', sql`
    insert into customers (name, company, email, updated_at)
      select 'Customer ' || n, 'Company ' || (n % 977), 'customer' || n || '@bench.test', now() from generate_series(1, 5000) n;
  `);
  await step('250,000 orders', sql`
    insert into orders (number, customer_id, salesperson_id, due_date, total, item_count, last_item_number, status, updated_at)
      select 1000 + n, 1 + (n * 7919) % 5000, null, current_date + ((n % 60) - 30), 400, ${itemsPerOrder}, ${itemsPerOrder}, 'approved', now()
        from generate_series(1, ${benchOrders}) n
  `);
  await step('order numbers continue after the last one', sql`select setval('order_number_seq', ${1000 + benchOrders})`);
  await step('1,000,000 line items', sql`
    insert into line_items (order_id, position, description, quantity, unit_price, machine_id, material_id,
                            fulfillment_method, due_date, assignee_id, status, status_entered_at,
                            order_number, customer_id, search_text, updated_at, completed_at)
    select o.id, p, d.description, 1 + (i % 5), 100, 1 + (i % 4), 1 + (i % 5),
           (array['pickup','installation','delivery','shipping'])[1 + (i % 4)],
           o.due_date + (p - 1), case when i % 3 = 0 then 1 + (i % 20) end,
           s.status, now() - make_interval(mins => (i % 10000)),
           o.number, o.customer_id, lower(o.number || ' customer ' || o.customer_id || ' ' || d.description), now(),
           case when s.status in ('picked_up','installed','delivered','shipped') then now() end
      from orders o
     cross join generate_series(1, ${itemsPerOrder}) p
     cross join lateral (select (o.id - 1) * ${itemsPerOrder} + p as i) n(i)
     cross join lateral (select (array['Dimensional acrylic sign','Aluminum panel','Vinyl lettering','Coroplast yard signs','PVC menu board','Channel letters','Brushed aluminum plaque'])[1 + (i % 7)] as description) d
     cross join lateral (select case
         when i % 100 < 2 then 'pending'
         when i % 100 < 4 then 'in_progress'
         when i % 200 = 8 then 'awaiting_pickup'
         when i % 200 = 9 then 'awaiting_installation'
         when i % 200 = 10 then 'awaiting_delivery'
         when i % 200 = 11 then 'awaiting_shipping'
         when i % 200 = 12 then 'on_hold'
         when i % 100 = 7 then 'cancelled'
         else (array['picked_up','installed','delivered','shipped'])[1 + (i % 4)] end as status) s;
  `);
  // Where an order's items are says where the order is: approved, in production, or completed.
  await step('order statuses', sql`
    update orders o
       set status = case when s.open_items = 0 then 'completed' when s.started > 0 then 'in_production' else 'approved' end
      from (select li.order_id,
                   count(*) filter (where ws.kind in ('open', 'hold')) as open_items,
                   count(*) filter (where not ws.initial) as started
              from line_items li join workflow_statuses ws on ws.workflow = li.workflow and ws.key = li.status
             group by li.order_id) s
     where s.order_id = o.id and o.status <> case when s.open_items = 0 then 'completed' when s.started > 0 then 'in_production' else 'approved' end;
  `);
  await step('queue counts', recountQueues);
  // As autovacuum would have by now: index-only scans need the visibility map a vacuum sets.
  await step('vacuum and analyze', sql`vacuum analyze`);
}

/**
 * Undoes what a previous bench run's status changes did (items it moved go back to where they
 * were, its events go), so every run measures the same shop.
 */
export async function undoBenchChanges(db: Db, benchUserId: number): Promise<number> {
  const moved = await db.transaction().execute(async (tx) => {
    const result = await sql<{ n: number }>`
      with first_moves as (
        select distinct on (subject_id) subject_id, from_status
          from events where actor_user_id = ${benchUserId} and subject_type = 'line_item'
         order by subject_id, id)
      update line_items li set status = m.from_status, version = li.version + 1
        from first_moves m where li.id = m.subject_id
      returning 1 as n`.execute(tx);
    // Orders that followed their items (production started) go back too.
    await sql`
      with first_moves as (
        select distinct on (subject_id) subject_id, from_status
          from events where actor_user_id = ${benchUserId} and subject_type = 'order' and from_status is not null
         order by subject_id, id)
      update orders o set status = m.from_status, version = o.version + 1
        from first_moves m where o.id = m.subject_id`.execute(tx);
    await sql`delete from events where actor_user_id = ${benchUserId} and subject_type in ('line_item', 'order')`.execute(tx);
    await sql`delete from queue_changes`.execute(tx);
    await recountQueues.execute(tx);
    return result.rows.length;
  });
  if (moved > 0) await sql`vacuum analyze line_items`.execute(db);
  await sql`vacuum full queues`.execute(db);
  await sql`vacuum analyze queue_changes`.execute(db);
  return moved;
}
