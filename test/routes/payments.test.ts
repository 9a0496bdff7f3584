import { sql } from 'kysely';
import t from 'tap';
import { signedCents } from '../../src/platform/money.js';
import { today } from '../../src/platform/format.js';
import { buildTestApp, signedInClient, textOf } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

t.test('amounts of money, signed', async (t) => {
  t.equal(signedCents('1,250.50'), 125050);
  t.equal(signedCents('-$40'), -4000);
  t.equal(signedCents('0.5'), 50);
  for (const bad of ['', '12.345', '1e3', '--5', 'ten', '1 000 000 000 000']) t.equal(signedCents(bad), undefined, `“${bad}” is not an amount`);
});

t.test('accounting records payments against an order; a correction is a new row and the balance follows', async (t) => {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const order = await placeOrder(db, shop, [{ description: 'Pylon sign', unitPrice: '1200.00' }]);
  const { client: accounting } = await signedInClient(app, db, ['accounting']);
  const { client: sales } = await signedInClient(app, db, ['sales']);
  const path = `/orders/${order.id}`;

  let page = await accounting.get(path);
  t.match(textOf(page.body), /Payments Order total \(before tax; the invoice adds it\) \$1,200\.00 Received \$0\.00 Balance due \$1,200\.00 No payments recorded yet\./);
  t.notMatch((await sales.get(path)).body, /action="\/orders\/\d+\/payments"/, 'sales see the balance, not the form');
  t.equal((await sales.post(`${path}/payments`, { amount: '100', receivedOn: today(), method: 'cash', description: '', correctsId: '' })).statusCode, 403);

  const bad = await accounting.post(`${path}/payments`, { amount: '0', receivedOn: '2099-01-01', method: 'barter', description: '', correctsId: '' });
  t.equal(bad.statusCode, 422);
  t.match(bad.body, /id="field-amount-error"[^>]*>Enter an amount like 250\.00/);
  t.match(bad.body, /id="field-receivedOn-error"[^>]*>A payment cannot be received in the future/);
  t.match(bad.body, /id="field-method-error"[^>]*>Choose how it was paid/);
  t.match(bad.body, /name="amount"[^>]*value="0"/, 'what was typed is kept');

  t.equal((await accounting.post(`${path}/payments`, { amount: '600.00', receivedOn: today(), method: 'check', description: 'Deposit, check 1043', correctsId: '' })).statusCode, 303);
  const [deposit] = await db.selectFrom('payments').select('id').execute();
  const refund = await accounting.post(`${path}/payments`, { amount: '-100', receivedOn: today(), method: 'check', description: '', correctsId: '' });
  t.equal(refund.statusCode, 422, 'a negative amount says what it is for');
  t.match(refund.body, /id="field-description-error"[^>]*>Say what the refund or correction is for/);
  t.equal((await accounting.post(`${path}/payments`, { amount: '-100.00', receivedOn: today(), method: 'check', description: 'Check was for 500', correctsId: String(deposit!.id) })).statusCode, 303);
  t.equal((await accounting.post(`${path}/payments`, { amount: '5', receivedOn: today(), method: 'cash', description: '', correctsId: '999999' })).statusCode, 422, 'a correction of another order’s payment (or none) is refused');

  page = await accounting.get(path);
  t.match(textOf(page.body), /Order total \(before tax; the invoice adds it\) \$1,200\.00 Received \$500\.00 Balance due \$700\.00/);
  t.match(textOf(page.body), /Check was for 500 \(corrects #\d+\)/);

  await t.rejects(sql`update payments set amount = 1 where id = ${deposit!.id}`.execute(db), /append-only/, 'the database refuses an edit');
  await t.rejects(sql`delete from payments where id = ${deposit!.id}`.execute(db), /append-only/, 'and a deletion');
  t.equal((await db.selectFrom('payments').select('id').execute()).length, 2);

  const { client: admin } = await signedInClient(app, db, ['admin']);
  t.match(textOf((await admin.get(`/customers/${shop.customerId}`)).body), /Balance 1 order \(not cancelled\) worth \$1,200\.00; received \$500\.00 on all their orders; balance due \$700\.00/, 'the customer’s page shows the balance');
  t.match(textOf((await accounting.get(path)).body), /recorded a payment|payment recorded/);
  const key = /name="requestKey" value="([0-9a-f-]{36})"/.exec((await accounting.get(path)).body)?.[1];
  t.ok(key, 'the payment form carries a key of its own');
  const twice = await Promise.all([1, 2].map(() => accounting.post(`${path}/payments`, { amount: '50.00', receivedOn: today(), method: 'card', description: 'Pressed twice', correctsId: '', requestKey: key! })));
  t.same(twice.map((response) => response.statusCode), [303, 303]);
  t.equal((await db.selectFrom('payments').select('id').where('description', '=', 'Pressed twice').execute()).length, 1, 'the same form sent twice records one payment');
  const other = await placeOrder(db, shop, [{ description: 'Banner' }]);
  const reused = await accounting.post(`/orders/${other.id}/payments`, { amount: '50.00', receivedOn: today(), method: 'card', description: '', correctsId: '', requestKey: key! });
  t.equal(reused.statusCode, 422, 'a key already used for another order is refused, not a crash');
  t.match(reused.body, /This form was already used for another order/);
  t.equal((await accounting.post(`${path}/payments`, { amount: '5', receivedOn: today(), method: 'cash', description: '', correctsId: '', requestKey: 'not-a-key' })).statusCode, 400, 'a malformed key is refused by the schema');
  t.equal((await accounting.post('/orders/999999/payments', { amount: '5', receivedOn: today(), method: 'cash', description: '', correctsId: '' })).statusCode, 404);
});
