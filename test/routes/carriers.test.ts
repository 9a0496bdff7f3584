import t from 'tap';
import type { Db } from '../../src/db/database.js';
import { orderStatusPurpose } from '../../src/notifications/customer-updates.js';
import { templateProblem } from '../../src/carriers/carriers.js';
import { ValidationError } from '../../src/platform/errors.js';
import { issueToken } from '../../src/platform/tokens.js';
import { transition } from '../../src/workflow/engine.js';
import { buildTestApp, Client, signedInClient, textOf } from '../helpers/app.js';
import { placeOrder, seedShop, type Shop } from '../helpers/shop.js';

async function move(db: Db, shop: Shop, itemId: number, to: string, input: Record<string, string> = {}) {
  const { version } = await db.selectFrom('line_items').select('version').where('id', '=', itemId).executeTakeFirstOrThrow();
  return transition(db, { type: 'line_item', id: itemId }, { userId: shop.admin.id, roles: ['admin'] }, { expectedVersion: version, to, input });
}

t.test('a tracking link template is checked before it is saved', async (t) => {
  t.equal(templateProblem('https://track.example.com/t/{number}'), undefined);
  t.equal(templateProblem('http://track.example.com/t/{number}'), 'Start the link with https://.');
  t.equal(templateProblem('https://track.example.com/t/'), 'Put {number} where the tracking number goes.');
  t.equal(templateProblem('https://track.example.com/t/{number} now'), 'A link has no spaces in it.');
  t.equal(templateProblem('https://localhost/{number}'), 'That is not a web address a customer can open.');
  t.equal(templateProblem('javascript:alert(1)//{number}'), 'Start the link with https://.');
  t.equal(templateProblem('https://{number}.example.com/track'), 'Put {number} after the address, in the path or the query.', 'the number never chooses the site');
  t.equal(templateProblem('https://10.0.0.1/t/{number}'), 'That is not a web address a customer can open.');
});

t.test('admins keep the carriers; shipping with one makes the customer’s tracking link', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const { client: admin } = await signedInClient(app, db, ['admin']);
  const { client: sales } = await signedInClient(app, db, ['sales']);

  const page = await admin.get('/admin/carriers');
  t.equal(page.statusCode, 200);
  t.match(page.body, /name="trackingUrlTemplate"[^>]*value="https:\/\/www\.ups\.com\/track\?tracknum=\{number\}"/, 'each with its tracking link');
  for (const name of ['DHL', 'FedEx', 'UPS', 'USPS']) t.match(page.body, new RegExp(`name="name"[^>]*value="${name}"`), `${name} is there from the start`);
  t.equal((await sales.get('/admin/carriers')).statusCode, 403, 'only admins');
  t.equal((await admin.post('/admin/carriers', { name: 'X', trackingUrlTemplate: 'https://x.example/{number}' }, { csrf: false })).statusCode, 403, 'no CSRF token, nothing added');

  const bad = await admin.post('/admin/carriers', { name: 'Speedy Couriers', trackingUrlTemplate: 'http://speedy.example/track' });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /id="field-trackingUrlTemplate-error" class="field-error">Start the link with https:\/\/\./);
  t.match(bad.body, /name="name"[^>]*value="Speedy Couriers"/, 'what was typed is kept');
  const duplicate = await admin.post('/admin/carriers', { name: 'ups', trackingUrlTemplate: 'https://ups.example/{number}' });
  t.equal(duplicate.statusCode, 422);
  t.match(duplicate.body, /There already is a carrier called “ups”\./);
  t.equal((await admin.post('/admin/carriers', { name: 'Speedy Couriers', trackingUrlTemplate: 'https://speedy.example/track/{number}?src=traveler' })).statusCode, 303);
  const speedy = await db.selectFrom('carriers').select(['id', 'version']).where('name', '=', 'Speedy Couriers').executeTakeFirstOrThrow();

  const order = await placeOrder(db, shop, [{ description: 'Banner', fulfillmentMethod: 'shipping' }]);
  const item = order.items[0]!;
  await move(db, shop, item.id, 'in_progress');
  await move(db, shop, item.id, 'awaiting_shipping', { fulfillmentMethod: 'shipping' });
  const itemPage = await admin.get(`/items/${item.id}?to=shipped`);
  t.match(itemPage.body, /<option value="Speedy Couriers"><\/option>/, 'the shipping form offers the carriers');
  const refused = await move(db, shop, item.id, 'shipped', { carrier: 'Speedy Couriers', tracking: 'SP"><script>' }).catch((error: unknown) => error);
  t.match((refused as ValidationError).fieldErrors, { tracking: /Enter the tracking number as the carrier gives it/ }, 'a number that would not make a working link is refused');
  await move(db, shop, item.id, 'shipped', { carrier: 'speedy couriers', tracking: 'SP-12345' });
  const freight = (await placeOrder(db, shop, [{ description: 'Pylon', fulfillmentMethod: 'shipping' }])).items[0]!;
  await move(db, shop, freight.id, 'in_progress');
  await move(db, shop, freight.id, 'awaiting_shipping', { fulfillmentMethod: 'shipping' });
  await move(db, shop, freight.id, 'shipped', { carrier: 'Regional Freight', tracking: 'BOL 4471/22, PRO #88\u00a0104.5' });
  t.equal((await db.selectFrom('line_items').select('status').where('id', '=', freight.id).executeTakeFirstOrThrow()).status, 'shipped', 'a bill of lading with slashes, #, commas and a non-breaking space is a tracking number too');

  const { token } = await issueToken(db, { purpose: orderStatusPurpose, subjectType: 'order', subjectId: order.id, lifetimeMs: 3_600_000, createdBy: null });
  const status = await new Client(app).get(`/status/${token}`);
  t.match(status.body, /href="https:\/\/speedy\.example\/track\/SP-12345\?src=traveler"/, 'the customer’s page links to the carrier');
  t.match((await admin.get(`/items/${item.id}`)).body, /href="https:\/\/speedy\.example\/track\/SP-12345\?src=traveler"/, 'and the item page');

  const stale = await admin.post(`/admin/carriers/${speedy.id}`, { name: 'Speedy', trackingUrlTemplate: 'https://speedy.example/t/{number}', active: '1', version: String(speedy.version) });
  t.equal(stale.statusCode, 303);
  const conflict = await admin.post(`/admin/carriers/${speedy.id}`, { name: 'Speedy Couriers', trackingUrlTemplate: 'https://speedy.example/x/{number}', active: '1', version: String(speedy.version) });
  t.equal(conflict.statusCode, 409, 'a form opened before someone else saved is a conflict');
  t.match(textOf(conflict.body), /Someone else saved this carrier while you were editing\. What they saved is shown here; your version is in the form\. Save again to replace theirs\. Their name Speedy Their tracking link https:\/\/speedy\.example\/t\/\{number\}/, 'what they saved is shown');
  t.match(conflict.body, new RegExp(`action="/admin/carriers/${speedy.id}"[\\s\\S]*?name="version" value="${speedy.version + 1}"`), 'the form now carries their version');
  const typo = await admin.post(`/admin/carriers/${speedy.id}`, { name: '', trackingUrlTemplate: 'https://speedy.example/t/{number}', active: '1', version: String(speedy.version) });
  t.equal(typo.statusCode, 422);
  t.match(typo.body, new RegExp(`action="/admin/carriers/${speedy.id}"[\\s\\S]*?name="version" value="${speedy.version}"`), 'a refused form keeps the version it was opened on, so the next save still meets the conflict');
  const current = await db.selectFrom('carriers').select(['name', 'version']).where('id', '=', speedy.id).executeTakeFirstOrThrow();
  t.equal(current.name, 'Speedy');
  t.equal((await admin.post(`/admin/carriers/${speedy.id}`, { name: 'Speedy', trackingUrlTemplate: 'https://speedy.example/t/{number}', version: String(current.version) })).statusCode, 303, 'turned off');
  t.notMatch((await new Client(app).get(`/status/${token}`)).body, /speedy\.example/, 'a carrier turned off makes no link');
  t.equal((await admin.post('/admin/carriers/999999', { name: 'Ghost', trackingUrlTemplate: 'https://g.example/{number}', version: '1' })).statusCode, 404);
});
