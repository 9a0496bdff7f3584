import t from 'tap';
import { buildTestApp, signedInClient } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

const rowsOf = (html: string) => /<tbody id="queue-rows"[^>]*>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';

/**
 * Queue rows are rendered once and shared by everyone with the same roles looking at the same
 * page (src/production/queue-rows-html.ts). A guard: what one viewer gets carries nothing of
 * another's (their anti-forgery token, their name, their email), only their own token.
 */
t.test('rows shared between viewers carry no per-user data', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  await placeOrder(db, shop, [{ description: 'Monument sign' }, { description: 'Window lettering' }]);
  const first = await signedInClient(app, db, ['production']);
  const second = await signedInClient(app, db, ['production']);
  const people = await db.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', [first.user.id, second.user.id]).execute();
  const [firstPerson, secondPerson] = [people.find((p) => p.id === first.user.id)!, people.find((p) => p.id === second.user.id)!];

  const firstPage = await first.client.get('/queues/pending');
  const secondPage = await second.client.get('/queues/pending');
  const [firstRows, secondRows] = [rowsOf(firstPage.body), rowsOf(secondPage.body)];
  t.match(firstRows, /Monument sign/, 'the rows are there');
  t.ok(first.client.csrfToken && second.client.csrfToken && first.client.csrfToken !== second.client.csrfToken, 'two sessions, two tokens');
  t.ok(secondRows.includes(second.client.csrfToken!), 'each viewer’s rows carry their own token');
  t.notOk(secondRows.includes(first.client.csrfToken!), 'never the other viewer’s');
  for (const [rows, other] of [[firstRows, secondPerson], [secondRows, firstPerson]] as const) {
    t.notOk(rows.includes(other.name), `no name of another viewer (${other.name})`);
    t.notOk(rows.includes(other.email), 'no email of another viewer');
  }
  t.equal(firstRows.replaceAll(first.client.csrfToken!, 'TOKEN'), secondRows.replaceAll(second.client.csrfToken!, 'TOKEN'), 'apart from the token, both viewers get the very same rows');
});
