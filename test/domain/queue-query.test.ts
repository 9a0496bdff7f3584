import t from 'tap';
import { createCustomer } from '../../src/customers/customers.js';
import { parseQueueFilter, queuePage, queuePageSize, type QueueFilter } from '../../src/production/queue-query.js';
import { freshDatabase } from '../helpers/database.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

const today = '2026-11-22';

t.test('queue pages: every filter, each sort, keyset pagination without gaps or repeats', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const otherCustomer = await createCustomer(db, { userId: shop.admin.id }, { name: 'Northwind Realty', company: '', email: '', phone: '', address: '', emailUpdates: true, salespersonId: '' });
  // 130 pending items over 26 orders: machines, materials, assignees and due dates vary by position.
  const dueDates = ['2026-11-01', '2026-11-20', '2026-11-22', '2026-12-05', ''];
  for (let order = 0; order < 26; order++) {
    await placeOrder(
      db,
      shop,
      Array.from({ length: 5 }, (_, i) => ({
        description: i === 0 && order === 3 ? 'Brushed aluminum plaque' : `Sign ${order}-${i}`,
        machineId: String(i % 2 === 0 ? shop.machines.router : shop.machines.printer),
        materialId: String(i % 3 === 0 ? shop.materials.acrylic : shop.materials.vinyl),
        assigneeId: i === 4 ? String(shop.production.id) : '',
        dueDate: dueDates[(order + i) % dueDates.length]!,
      })),
      { customerId: order % 4 === 0 ? otherCustomer : shop.customerId },
    );
  }
  const all = await db.selectFrom('line_items').selectAll().execute();
  t.equal(all.length, 130);

  async function everyPage(filter: Omit<QueueFilter, 'after'>) {
    const seen: number[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await queuePage(db, ['pending'], { ...filter, after }, today);
      seen.push(...page.rows.map((row) => row.id));
      after = page.nextCursor;
      pages += 1;
      t.ok(page.rows.length <= queuePageSize);
    } while (after && pages < 10);
    return { seen, pages };
  }

  for (const sort of ['due', 'order', 'age'] as const) {
    const { seen, pages } = await everyPage({ sort });
    t.equal(pages, 3, `${sort}: 130 rows in three pages`);
    t.equal(seen.length, 130, `${sort}: every row once`);
    t.equal(new Set(seen).size, 130, `${sort}: no repeats`);
  }
  const byDue = (await everyPage({ sort: 'due' })).seen.map((id) => all.find((row) => row.id === id)!.due_date);
  const firstUndated = byDue.indexOf(null);
  t.ok(byDue.slice(0, firstUndated).every((d, i, a) => i === 0 || a[i - 1]! <= d!), 'due dates ascend');
  t.ok(byDue.slice(firstUndated).every((d) => d === null), 'undated items come last');
  const byOrder = (await everyPage({ sort: 'order' })).seen.map((id) => all.find((row) => row.id === id)!);
  t.ok(byOrder.every((row, i, a) => i === 0 || a[i - 1]!.order_number < row.order_number || (a[i - 1]!.order_number === row.order_number && a[i - 1]!.position < row.position)), 'order number, then index');

  const expect = async (name: string, filter: Partial<QueueFilter>, predicate: (row: (typeof all)[number]) => boolean) => {
    const { seen } = await everyPage({ sort: 'due', ...filter });
    const wanted = all.filter(predicate).map((row) => row.id).sort((a, b) => a - b);
    t.ok(wanted.length > 0, `${name}: the fixture has matching rows`);
    t.same([...seen].sort((a, b) => a - b), wanted, `${name}: exactly the matching rows`);
  };
  await expect('machine', { machineId: shop.machines.router }, (row) => row.machine_id === shop.machines.router);
  await expect('material', { materialId: shop.materials.acrylic }, (row) => row.material_id === shop.materials.acrylic);
  await expect('customer', { customerId: otherCustomer }, (row) => row.customer_id === otherCustomer);
  await expect('assignee', { assigneeId: shop.production.id }, (row) => row.assignee_id === shop.production.id);
  await expect('due from', { dueFrom: '2026-11-20' }, (row) => row.due_date !== null && row.due_date >= '2026-11-20');
  await expect('due to', { dueTo: '2026-11-20' }, (row) => row.due_date !== null && row.due_date <= '2026-11-20');
  await expect('overdue only', { overdue: true }, (row) => row.due_date !== null && row.due_date < today);
  await expect('free text: description', { text: 'ALUMINUM' }, (row) => row.description.includes('aluminum'));
  await expect('free text: customer', { text: 'northwind' }, (row) => row.customer_id === otherCustomer);
  const anOrder = all[17]!.order_number;
  await expect('free text: order number', { text: String(anOrder) }, (row) => row.order_number === anOrder);
  await expect(
    'combined: router + acrylic + overdue',
    { machineId: shop.machines.router, materialId: shop.materials.acrylic, overdue: true },
    (row) => row.machine_id === shop.machines.router && row.material_id === shop.materials.acrylic && row.due_date !== null && row.due_date < today,
  );

  const none = await queuePage(db, ['pending'], { sort: 'due', text: '100%_' }, today);
  t.same(none.rows, [], 'LIKE wildcards in the search are taken literally');
  const otherQueue = await queuePage(db, ['in_progress'], { sort: 'due' }, today);
  t.same(otherQueue.rows, [], 'a queue lists only its own statuses');
  const garbageCursor = await queuePage(db, ['pending'], { sort: 'due', after: 'not-a-cursor' }, today);
  t.equal(garbageCursor.rows.length, queuePageSize, 'an unreadable cursor starts from the top');
});

t.test('filters are read from the query string with clear messages for bad values', async (t) => {
  const ok = parseQueueFilter({ machine: '3', material: '4', customer: '5', assignee: '6', due_from: '2026-11-01', due_to: '2026-11-30', overdue: '1', q: ' acrylic ', sort: 'age' });
  t.same(ok.errors, {});
  t.same(ok.filter, { machineId: 3, materialId: 4, customerId: 5, assigneeId: 6, dueFrom: '2026-11-01', dueTo: '2026-11-30', overdue: true, text: 'acrylic', sort: 'age' });
  const bad = parseQueueFilter({ machine: 'router', due_from: 'tomorrow', sort: 'random' });
  t.same(Object.keys(bad.errors).sort(), ['due_from', 'machine', 'sort']);
  const backwards = parseQueueFilter({ due_from: '2026-12-01', due_to: '2026-11-01' });
  t.match(backwards.errors.due_to, /before the start date/);
});
