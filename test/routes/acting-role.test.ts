import t from 'tap';
import { buildTestApp, createUser, Client, textOf } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

const navLinks = (html: string) => [...html.matchAll(/<li><a href="([^"]+)"(?: aria-current="page")?>([^<]+)<\/a><\/li>/g)].map((match) => match[2]);

t.test('a person with several roles acts in one: navigation, permissions and the dashboard follow, and every action records the role', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Routed sign' }]);
  const itemId = order.items[0]!.id;
  const person = await createUser(db, ['sales', 'production', 'qa'], { name: 'Morgan Many' });
  const client = new Client(app);
  t.equal((await client.signIn(person.email, person.password)).statusCode, 303);

  const everything = await client.get('/');
  t.match(everything.body, /As all roles/, 'the switcher says they act in all their roles');
  t.ok(navLinks(everything.body).includes('Customers'), 'all roles: sales’s Customers is there');

  const asProduction = await client.post('/account/acting-role', { role: 'production' });
  t.equal(asProduction.statusCode, 303);
  t.equal(asProduction.headers.location, '/', 'to the start page');
  const start = await client.get('/');
  t.match(textOf(start.body), /You act as Production/);
  t.match(start.body, /As Production/);
  const links = navLinks(start.body);
  t.notOk(links.includes('Customers'), 'acting as production: no Customers in the menu');
  t.ok(links.includes('Planning'), 'production’s Planning is');
  t.equal((await client.get('/customers')).statusCode, 403, 'nor may they open it while acting as production');

  const moved = await client.post(`/items/${itemId}/transitions`, { version: '1', from: 'pending', to: 'in_progress' });
  t.equal(moved.statusCode, 303);
  await client.post(`/items/${itemId}/transitions`, { version: '2', from: 'in_progress', to: 'on_hold', reason: 'Waiting for vinyl' });

  t.equal((await client.post('/account/acting-role', { role: 'qa' })).statusCode, 303);
  t.equal((await client.post(`/items/${itemId}/transitions`, { version: '3', from: 'on_hold', to: 'in_progress' })).statusCode, 403, 'acting as QA, they do not move items');
  const qaPage = await client.get(`/admin/checklists`);
  t.equal(qaPage.statusCode, 200, 'but they keep the checklists, as QA does');
  await client.post('/admin/checklists', { name: 'Final inspection', machineId: '', materialId: '', descriptionContains: '' });
  t.equal((await client.post('/account/acting-role', { role: 'admin' })).statusCode, 422, 'a role they do not hold');
  t.equal((await client.post('/account/acting-role', { role: '' })).statusCode, 303, 'back to all roles');

  const events = await db.selectFrom('events').select(['action', 'to_status', 'actor_role']).where('subject_type', '=', 'line_item').where('subject_id', '=', itemId).where('actor_user_id', '=', person.id).orderBy('id').execute();
  t.same(events.map((e) => [e.to_status, e.actor_role]), [['in_progress', 'production'], ['on_hold', 'production']], 'each move records the role it was made in');
  const plan = await db.selectFrom('events').select('actor_role').where('subject_type', '=', 'checklist_template').where('actor_user_id', '=', person.id).executeTakeFirstOrThrow();
  t.equal(plan.actor_role, 'qa', 'and so does everything else: the checklist was made as QA');
  const page = await client.get(`/items/${itemId}`);
  t.match(textOf(page.body), /Morgan Many \(as Production\)/, 'the history says so');

  // Acting in all roles, a move records the role that allowed it; so does any other action.
  const note = await createUser(db, ['sales', 'production'], { name: 'Sam Both' });
  const both = new Client(app);
  await both.signIn(note.email, note.password);
  await both.post(`/items/${itemId}/transitions`, { version: '3', from: 'on_hold', to: 'in_progress' });
  await both.post(`/items/${itemId}/transitions`, { version: '4', from: 'in_progress', to: 'intent:built', fulfillmentMethod: 'pickup' });
  const built = await db.selectFrom('events').select('actor_role').where('actor_user_id', '=', note.id).where('to_status', '=', 'awaiting_pickup').executeTakeFirstOrThrow();
  t.equal(built.actor_role, 'production', 'Mark BUILT is production’s move, so that is the role used');
  await both.post('/customers', { name: 'Avery Acme', company: '', email: 'avery@acme.test', phone: '', address: '', emailUpdates: '1' });
  const created = await db.selectFrom('events').select('actor_role').where('actor_user_id', '=', note.id).where('subject_type', '=', 'customer').executeTakeFirstOrThrow();
  t.equal(created.actor_role, 'sales', 'adding a customer is sales’s');
  t.notMatch((await client.get('/')).body, /As all roles[\s\S]*As all roles/, 'one switcher');
});

t.test('a person with one role has no switcher', async (t) => {
  const { app, db } = await buildTestApp(t);
  await seedShop(db);
  const person = await createUser(db, ['production']);
  const client = new Client(app);
  await client.signIn(person.email, person.password);
  t.notMatch((await client.get('/')).body, /role-switch/);
  t.equal((await client.post('/account/acting-role', { role: 'sales' })).statusCode, 422);
});
