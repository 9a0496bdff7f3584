import t from 'tap';
import { buildTestApp, signedInClient } from '../helpers/app.js';

t.test('the customer form: messages beside their fields, input kept, one spec for all of it', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client } = await signedInClient(app, db, ['sales']);
  const blank = await client.get('/customers/new');
  t.match(blank.body, /id="field-name"[^>]*required/, 'the name is marked required');
  t.match(blank.body, /<textarea id="field-address" name="address" maxlength="1000"/, 'the address is a paragraph');
  t.match(blank.body, /name="emailUpdates" value="1" checked/, 'new customers want order emails unless they say otherwise');

  const refused = await client.post('/customers', { name: '', company: 'Acme <Signs>', email: 'not-an-address', phone: '5'.repeat(60), address: 'Main St 1' });
  t.equal(refused.statusCode, 422);
  t.match(refused.body, /id="field-name"[^>]*aria-invalid="true" aria-describedby="field-name-error"/, 'the name is marked invalid');
  t.match(refused.body, /id="field-name-error" class="field-error">Enter the customer’s name\.</, 'with its message beside it');
  t.match(refused.body, /id="field-email-error" class="field-error">Enter an email address like name@example\.com, or leave it empty\.</);
  t.match(refused.body, /id="field-phone-error" class="field-error">Use at most 50 characters\.</);
  t.match(refused.body, /value="Acme &lt;Signs&gt;"/, 'what was typed is kept, escaped');
  t.match(refused.body, />Main St 1<\/textarea>/);
  t.notMatch(refused.body, /name="emailUpdates" value="1" checked/, 'an unticked box stays unticked');
  t.equal((await db.selectFrom('customers').select('id').execute()).length, 0, 'nothing was saved');

  const saved = await client.post('/customers', { name: 'Ada Lovelace', email: 'ada@example.com', emailUpdates: '1' });
  t.equal(saved.statusCode, 303);
  const stored = await db.selectFrom('customers').select(['name', 'email', 'email_updates', 'company']).executeTakeFirstOrThrow();
  t.same(stored, { name: 'Ada Lovelace', email: 'ada@example.com', email_updates: true, company: '' });
});
