import t from 'tap';
import { queueCounts } from '../../src/workflow/queue-changes.js';
import { buildTestApp, signedInClient } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

const row = (fields: Record<string, string>) => ({
  item_itemId: '',
  item_number: '',
  item_description: '',
  item_quantity: '1',
  item_unitPrice: '',
  item_machineId: '',
  item_materialId: '',
  item_fulfillmentMethod: 'pickup',
  item_dueDate: '',
  item_assigneeId: '',
  item_notes: '',
  ...fields,
});

/** The form's repeated item fields, row by row, as a browser would send them. */
function orderForm(header: Record<string, string>, rows: Record<string, string>[], action = 'save') {
  const form: Record<string, string | string[]> = { ...header, action };
  for (const key of Object.keys(row({}))) form[key] = rows.map((r) => row(r)[key as keyof ReturnType<typeof row>]!);
  return form;
}

t.test('sales enters an order with several items; each starts pending on its own', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const { client, user } = await signedInClient(app, db, ['sales']);
  const blank = await client.get('/orders/new');
  t.equal(blank.statusCode, 200);
  t.equal((blank.body.match(/class="item-row"/g) ?? []).length, 3, 'one row plus spares');

  const added = await client.post('/orders', orderForm({ customerId: String(shop.customerId), salespersonId: String(user.id), dueDate: '2026-12-01' }, [{ item_description: 'Lobby sign' }], 'add'), { htmx: true });
  t.equal(added.statusCode, 200);
  t.match(added.body, /^<form id="order-form"/, 'htmx gets the form region only');
  t.equal((added.body.match(/class="item-row"/g) ?? []).length, 2, 'a row was added');
  t.match(added.body, /value="Lobby sign"/, 'what was typed is kept');
  const removed = await client.post('/orders', orderForm({ customerId: String(shop.customerId) }, [{ item_description: 'Lobby sign' }, { item_description: 'Spare' }], 'remove:1'), { htmx: true });
  t.equal((removed.body.match(/class="item-row"/g) ?? []).length, 1, 'a row was removed');
  t.notMatch(removed.body, /value="Spare"/);

  const invalid = await client.post('/orders', orderForm({ customerId: '', dueDate: '2026-13-45' }, [{ item_description: 'Lobby sign', item_quantity: '0', item_unitPrice: 'ten' }, {}]));
  t.equal(invalid.statusCode, 422);
  t.match(invalid.body, /Choose the customer\./);
  t.match(invalid.body, /Enter a date like 2026-12-31\./);
  t.match(invalid.body, /Enter a whole number of at least 1\./);
  t.match(invalid.body, /Enter a price like 125\.00\./);
  t.match(invalid.body, /value="ten"/, 'the bad price is kept for correction');
  t.equal((await db.selectFrom('orders').select('id').execute()).length, 0);

  const created = await client.post(
    '/orders',
    orderForm({ customerId: String(shop.customerId), salespersonId: String(user.id), dueDate: '2026-12-01', notes: 'Rush', muted: '1' }, [
      { item_description: 'Lobby sign', item_quantity: '2', item_unitPrice: '$1,250.50', item_machineId: String(shop.machines.router), item_materialId: String(shop.materials.acrylic), item_fulfillmentMethod: 'installation' },
      { item_description: 'Window vinyl', item_unitPrice: '99', item_dueDate: '2026-11-28' },
      {},
    ]),
  );
  t.equal(created.statusCode, 303);
  const order = await db.selectFrom('orders').selectAll().executeTakeFirstOrThrow();
  t.equal(created.headers.location, `/orders/${order.id}`);
  t.equal(order.number, 1001, 'order numbers start at 1001');
  t.equal(order.total, '2600.00', '2 × 1,250.50 + 99');
  t.equal(order.item_count, 2, 'the blank spare row was left out');
  t.equal(order.customer_emails_muted, true, 'customer emails muted from the start');
  const items = await db.selectFrom('line_items').selectAll().where('order_id', '=', order.id).orderBy('position').execute();
  t.same(items.map((i) => [i.position, i.status, i.due_date]), [[1, 'pending', '2026-12-01'], [2, 'pending', '2026-11-28']], 'items take the order date unless they have their own');
  t.equal((await queueCounts(db, 'production')).pending, 2);
  const page = await client.get(`/orders/${order.id}`);
  t.match(page.body, /1001 · 1\/2/);
  t.match(page.body, /id="customer-emails">Muted for this order</, 'the order says whether its customer hears about it');
  await db.updateTable('orders').set({ customer_emails_muted: false }).execute();
  await db.updateTable('customers').set({ email_updates: false }).execute();
  t.match((await client.get(`/orders/${order.id}`)).body, /id="customer-emails">Off: the customer asked not to get order emails</, 'and if not, why');
  t.match(page.body, /\$2,600\.00/);
  const list = await client.get('/orders?q=rosa');
  t.match(list.body, new RegExp(`id="order-${order.id}"`));
  t.match((await client.get('/orders?q=nobody')).body, /No order matches/);
});

t.test('editing an order: change, add and remove items; started items cannot be removed; conflicts', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const { client } = await signedInClient(app, db, ['sales']);
  const order = await placeOrder(db, shop, [{ description: 'A' }, { description: 'B' }, { description: 'C' }]);
  const [a, b, c] = order.items.map((i) => String(i.id)) as [string, string, string];
  const { client: production } = await signedInClient(app, db, ['production']);
  await production.post(`/items/${a}/transitions`, { version: '1', from: 'pending', to: 'in_progress' });

  t.match((await production.get('/queues/wip')).body, />A</);
  const edit = await client.get(`/orders/${order.id}/edit`);
  t.equal(edit.statusCode, 200);
  const version = edit.body.match(/name="version" value="(\d+)"/)![1]!;
  const header = { customerId: String(shop.customerId), salespersonId: String(shop.sales.id), dueDate: '', version };

  const removeStarted = await client.post(`/orders/${order.id}`, orderForm(header, [{ item_itemId: b, item_description: 'B' }, { item_itemId: c, item_description: 'C' }]));
  t.equal(removeStarted.statusCode, 422);
  t.match(removeStarted.body, /cannot be removed once work has started; cancel it from its queue instead/);

  const edited = orderForm(header, [{ item_itemId: a, item_number: '1', item_description: 'A, bigger', item_quantity: '3' }, { item_itemId: c, item_number: '3', item_description: 'C' }, { item_description: 'D (new)' }]);
  const unconfirmed = await client.post(`/orders/${order.id}`, edited);
  t.equal(unconfirmed.statusCode, 422, 'leaving an item out asks before removing it');
  t.match(unconfirmed.body, /Saving removes 1001 · 2\/3 “B”\. Its number stays unused/);
  t.match(unconfirmed.body, /name="confirmRemoval" value="1"/, 'with a box to confirm');
  t.match(unconfirmed.body, /value="A, bigger"/, 'and the edit kept');
  t.equal((await db.selectFrom('line_items').select('id').where('order_id', '=', order.id).execute()).length, 3, 'nothing was removed yet');

  const saved = await client.post(`/orders/${order.id}`, { ...edited, confirmRemoval: '1' });
  t.equal(saved.statusCode, 303);
  const items = await db.selectFrom('line_items').select(['id', 'position', 'description', 'status', 'quantity']).where('order_id', '=', order.id).orderBy('position').execute();
  t.same(items.map((i) => [i.position, i.description, i.status]), [[1, 'A, bigger', 'in_progress'], [3, 'C', 'pending'], [4, 'D (new)', 'pending']], 'items keep their numbers; the new one gets the next; 2 stays a gap');
  t.equal(items[0]!.quantity, 3);
  t.match((await production.get('/queues/wip')).body, /A, bigger/, 'the queue shows the edit on the next view');
  const counts = await queueCounts(db, 'production');
  t.equal(counts.pending, 2, 'B removed, D added');
  t.equal(counts.wip, 1);

  const orderPage = await client.get(`/orders/${order.id}`);
  t.match(orderPage.body, /1001 · 2\/4<\/span><\/td>\s*<td[^>]*><small class="muted">Removed from the order/, 'the removed item is a visible gap');
  t.match(orderPage.body, /1001 · 4\/4/, 'labels count to the highest number');
  t.match(orderPage.body, /removed item 1001 · 2\/3 “B”/, 'the removal is in the order history');
  t.match(orderPage.body, /added item 1001 · 4\/4 “D \(new\)”/, 'so is the addition');
  t.match(orderPage.body, /edited the item: Description: A → A, bigger; Quantity: 1 → 3/, 'and the item edit, field by field');
  const removedEvent = await db.selectFrom('events').selectAll().where('subject_type', '=', 'line_item').where('subject_id', '=', Number(b)).where('action', '=', 'removed').executeTakeFirst();
  t.ok(removedEvent, 'the removed item has its own removal event');

  const stale = await client.post(`/orders/${order.id}`, orderForm(header, [{ item_itemId: a, item_description: 'A' }]));
  t.equal(stale.statusCode, 409, 'an edit based on an old version is a conflict');
  t.match(stale.body, /was changed by someone else while you were editing/);
  t.match(stale.body, /id="their-version"/, 'their saved version is shown beside the edit');
  t.match(stale.body, /A, bigger/, 'with what they saved');
  const newVersion = stale.body.match(/name="version" value="(\d+)"/)![1]!;
  t.not(newVersion, version, 'the form now builds on their version');
  const reapplied = await client.post(`/orders/${order.id}`, orderForm({ ...header, version: newVersion }, [{ item_itemId: a, item_description: 'A' }, { item_itemId: c, item_description: 'C' }, { item_itemId: String(items[2]!.id), item_description: 'D (new)' }]));
  t.equal(reapplied.statusCode, 303, 'saving again applies the edit on top of theirs');
  t.equal((await db.selectFrom('line_items').select('description').where('id', '=', Number(a)).executeTakeFirstOrThrow()).description, 'A');
});

/** The fields a browser would send from a rendered form: inputs, checked boxes, textareas and selected options. */
function formFields(html: string): Record<string, string[]> {
  const form = html.slice(html.indexOf('<form id="order-form"'), html.indexOf('</form>', html.indexOf('<form id="order-form"')));
  const fields: Record<string, string[]> = {};
  const add = (name: string, value: string) => (fields[name] ??= []).push(value.replaceAll('&amp;', '&').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>'));
  for (const [tag] of form.matchAll(/<input\b[^>]*>/g)) {
    const name = /\bname="([^"]+)"/.exec(tag)?.[1];
    if (!name || name === 'action' || name === '_csrf') continue;
    if (/type="checkbox"/.test(tag) && !/\bchecked\b/.test(tag)) continue;
    add(name, /\bvalue="([^"]*)"/.exec(tag)?.[1] ?? '');
  }
  for (const [, name, text] of form.matchAll(/<textarea\b[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) add(name!, text!);
  for (const [, name, options] of form.matchAll(/<select\b[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    add(name!, /<option value="([^"]*)" selected>/.exec(options!)?.[1] ?? /<option value="([^"]*)"/.exec(options!)?.[1] ?? '');
  }
  return fields;
}

t.test('two people edit one order: changes only one of them made are kept, and what both changed is theirs to choose', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Menu board', dueDate: '2026-12-01' }, { description: 'Door decal', quantity: '2' }]);
  const [menu, decal] = order.items.map((item) => String(item.id)) as [string, string];
  const { client: first, user: firstUser } = await signedInClient(app, db, ['sales']);
  const { client: second } = await signedInClient(app, db, ['sales']);
  const firstName = (await db.selectFrom('users').select('name').where('id', '=', firstUser.id).executeTakeFirstOrThrow()).name;
  const firstForm = formFields((await first.get(`/orders/${order.id}/edit`)).body);
  const secondForm = formFields((await second.get(`/orders/${order.id}/edit`)).body);
  t.ok(secondForm.base?.[0], 'the form carries the order as it was opened');

  const edit = (fields: Record<string, string[]>, change: (fields: Record<string, string[]>) => void) => {
    const copy = structuredClone(fields);
    change(copy);
    return { ...copy, action: 'save' };
  };
  t.equal((await first.post(`/orders/${order.id}`, edit(firstForm, (f) => { f.item_description![0] = 'Menu board (red)'; f.item_dueDate![0] = '2026-12-03'; }))).statusCode, 303, 'the first edit is saved');

  const late = await second.post(`/orders/${order.id}`, edit(secondForm, (f) => { f.item_quantity![1] = '5'; f.notes = ['Rush job']; f.item_dueDate![0] = '2026-12-05'; }));
  t.equal(late.statusCode, 409, 'the second is a conflict');
  t.match(late.body, new RegExp(`Saved by ${firstName},`), 'naming who saved meanwhile, even when they changed only an item');
  t.match(late.body, /1 change of theirs to fields you had not touched is now in your form/);
  t.match(late.body, /value="Menu board \(red\)"/, 'their change to a field this person left alone is taken');
  t.match(late.body, /name="item_quantity" value="5"/, 'this person\'s own change is kept');
  t.match(late.body, /class="their-value">Saved version: Dec 3, 2026</, 'a field both changed keeps this person\'s value and shows the saved one');
  t.match(late.body, /1 field was changed by both of you/);

  t.equal((await second.post(`/orders/${order.id}`, { ...formFields(late.body), action: 'save' })).statusCode, 303, 'saving the merged form succeeds');
  const items = await db.selectFrom('line_items').select(['id', 'description', 'quantity', 'due_date']).where('order_id', '=', order.id).orderBy('position').execute();
  t.same(items.map((i) => [String(i.id), i.description, i.quantity, i.due_date]), [[menu, 'Menu board (red)', 1, '2026-12-05'], [decal, 'Door decal', 5, null]], 'nothing the first person did was lost that the second did not choose to change');
  t.equal((await db.selectFrom('orders').select('notes').where('id', '=', order.id).executeTakeFirstOrThrow()).notes, 'Rush job');
});

t.test('customers, machines and materials', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client: sales } = await signedInClient(app, db, ['sales']);
  await sales.get('/customers/new');
  const invalid = await sales.post('/customers', { name: '', email: 'nope', emailUpdates: '1' });
  t.equal(invalid.statusCode, 422);
  t.match(invalid.body, /Enter the customer’s name\./);
  const created = await sales.post('/customers', { name: 'Ivy Park', company: 'Park Dental', email: 'ivy@parkdental.test' });
  t.equal(created.statusCode, 303);
  const customer = await db.selectFrom('customers').selectAll().executeTakeFirstOrThrow();
  t.equal(created.headers.location, `/orders/new?customer=${customer.id}`, 'straight on to their first order');
  t.equal(customer.email_updates, false, 'unchecked box: no order emails');
  t.match((await sales.get('/customers?q=park')).body, /Ivy Park/);

  const { client: admin } = await signedInClient(app, db, ['admin']);
  await admin.get('/admin/catalog');
  t.equal((await admin.post('/admin/catalog/machines', { name: 'Flatbed UV printer' })).statusCode, 303);
  const duplicate = await admin.post('/admin/catalog/machines', { name: 'flatbed uv printer' });
  t.equal(duplicate.statusCode, 422);
  t.match(duplicate.body, /There already is one called/);
  const machine = await db.selectFrom('machines').select(['id', 'active']).executeTakeFirstOrThrow();
  await admin.post(`/admin/catalog/machines/${machine.id}/active`, { active: '0' });
  t.equal((await db.selectFrom('machines').select('active').executeTakeFirstOrThrow()).active, false, 'retired');
  t.equal((await sales.get('/admin/catalog')).statusCode, 403, 'only admins manage the catalog');
});
