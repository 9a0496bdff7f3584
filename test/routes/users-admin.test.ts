import t from 'tap';
import { Client, buildTestApp, createUser, defaultPassword, signedInClient } from '../helpers/app.js';
import { startSmtpPeer } from '../helpers/smtp.js';

function versionIn(body: string): string {
  return body.match(/name="version" value="(\d+)"/)![1]!;
}

t.test('an admin adds a user who sets a password from the welcome email', async (t) => {
  const smtp = await startSmtpPeer(t);
  const { app, db } = await buildTestApp(t, { config: { smtpUrl: smtp.url } });
  const { client: admin, user: adminUser } = await signedInClient(app, db, ['admin']);

  const form = await admin.get('/admin/users/new');
  t.equal(form.statusCode, 200);
  t.match(form.body, /Builds products and moves them through the shop queues\./, 'roles are explained');

  const invalid = await admin.post('/admin/users', { name: 'Pat Painter', email: 'pat@', roles: [] });
  t.equal(invalid.statusCode, 422);
  t.match(invalid.body, /Enter an email address like name@example\.com\./);
  t.match(invalid.body, /Choose at least one role\./);
  t.match(invalid.body, /value="Pat Painter"/, 'name kept');

  const taken = await admin.post('/admin/users', { name: 'Copy', email: adminUser.email.toUpperCase(), roles: 'sales' });
  t.equal(taken.statusCode, 422);
  t.match(taken.body, /Someone already uses this email address\./);

  const created = await admin.post('/admin/users', { name: 'Pat Painter', email: 'pat@acme.test', roles: ['production', 'qa'], password: '' });
  t.equal(created.statusCode, 303);
  const pat = await db.selectFrom('users').select('id').where('email', '=', 'pat@acme.test').executeTakeFirstOrThrow();
  t.equal(created.headers.location, `/admin/users/${pat.id}`);
  const roles = await db.selectFrom('user_roles').select('role').where('user_id', '=', pat.id).orderBy('role').execute();
  t.same(roles.map((r) => r.role), ['production', 'qa'], 'several roles');
  const event = await db.selectFrom('events').selectAll().where('subject_type', '=', 'user').where('subject_id', '=', pat.id).executeTakeFirstOrThrow();
  t.equal(event.action, 'created');
  t.equal(event.actor_user_id, adminUser.id);

  await app.mail.idle();
  const [welcome] = await smtp.waitFor(1);
  t.equal(welcome!.subject, 'Your Our shop account on Traveler');
  const link = (welcome!.text ?? '').match(/http:\/\/traveler\.test(\/password-reset\/[A-Za-z0-9_-]+)/);
  t.ok(link, 'the welcome email holds a set-password link');
  t.ok(link![1]!.length > 50, 'the token is long and random');
  const stored = await db.selectFrom('access_tokens').select('token_hash').executeTakeFirstOrThrow();
  t.notMatch(link![1]!, new RegExp(stored.token_hash), 'only a hash of the token is stored');

  const pat_ = new Client(app);
  const page = await pat_.get(link![1]!);
  t.equal(page.statusCode, 200);
  t.match(page.body, /Hello Pat Painter/);
  const weak = await pat_.post(link![1]!, { password: 'short' });
  t.equal(weak.statusCode, 422);
  t.match(weak.body, /Use at least 10 characters\./);
  const chosen = await pat_.post(link![1]!, { password: 'a long and happy password' });
  t.equal(chosen.statusCode, 303);
  t.equal((await pat_.get('/')).statusCode, 200, 'signed in after choosing a password');

  const reused = await new Client(app).get(link![1]!);
  t.equal(reused.statusCode, 404, 'the link works once');
  t.match(reused.body, /expired or was already used/);
  t.equal((await new Client(app).signIn('pat@acme.test', 'a long and happy password')).statusCode, 303);
});

t.test('an admin edits roles, deactivates a user, and cannot lock the shop out', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client: admin, user: adminUser } = await signedInClient(app, db, ['admin']);
  const worker = await createUser(db, ['production'], { name: 'Wes Worker' });
  const workerClient = new Client(app);
  await workerClient.signIn(worker.email);

  const edit = await admin.get(`/admin/users/${worker.id}`);
  t.equal(edit.statusCode, 200);
  const saved = await admin.post(`/admin/users/${worker.id}`, {
    name: 'Wes Worker',
    email: worker.email,
    roles: ['production', 'fulfillment'],
    version: versionIn(edit.body),
  });
  t.equal(saved.statusCode, 303, 'saved without the active box: deactivated');
  const row = await db.selectFrom('users').select(['active', 'version']).where('id', '=', worker.id).executeTakeFirstOrThrow();
  t.equal(row.active, false);
  t.equal((await workerClient.get('/')).statusCode, 303, 'their open session ended');
  const events = await db.selectFrom('events').select('action').where('subject_id', '=', worker.id).where('subject_type', '=', 'user').execute();
  t.ok(events.some((e) => e.action === 'deactivated'), 'deactivation recorded');

  const selfEdit = await admin.get(`/admin/users/${adminUser.id}`);
  const selfDeactivate = await admin.post(`/admin/users/${adminUser.id}`, {
    name: 'Admin',
    email: adminUser.email,
    roles: 'admin',
    version: versionIn(selfEdit.body),
  });
  t.equal(selfDeactivate.statusCode, 422);
  t.match(selfDeactivate.body, /You cannot deactivate your own account\./);

  const dropAdmin = await admin.post(`/admin/users/${adminUser.id}`, {
    name: 'Admin',
    email: adminUser.email,
    roles: 'sales',
    active: '1',
    version: versionIn(selfEdit.body),
  });
  t.equal(dropAdmin.statusCode, 422);
  t.match(dropAdmin.body, /Traveler needs at least one active admin/);
  t.match(dropAdmin.body, /value="sales" checked/, 'the roles the admin picked are kept in the form');
});

t.test('two admins editing the same user: the second gets a conflict, nothing is overwritten', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client: first } = await signedInClient(app, db, ['admin']);
  const { client: second } = await signedInClient(app, db, ['admin']);
  const target = await createUser(db, ['sales'], { name: 'Sally Sales' });

  const firstForm = await first.get(`/admin/users/${target.id}`);
  const secondForm = await second.get(`/admin/users/${target.id}`);
  const firstSave = await first.post(`/admin/users/${target.id}`, { name: 'Sally Seller', email: target.email, roles: 'sales', active: '1', version: versionIn(firstForm.body) });
  t.equal(firstSave.statusCode, 303);

  const secondSave = await second.post(`/admin/users/${target.id}`, { name: 'Sally Estimator', email: target.email, roles: ['sales', 'accounting'], active: '1', version: versionIn(secondForm.body) });
  t.equal(secondSave.statusCode, 409);
  t.match(secondSave.body, /was changed by someone else while you were editing/);
  t.match(secondSave.body, /<dd>Sally Seller<\/dd>/, 'shows what the other admin saved');
  t.match(secondSave.body, /value="Sally Estimator"/, 'keeps what this admin typed');
  const stored = await db.selectFrom('users').select(['name', 'version']).where('id', '=', target.id).executeTakeFirstOrThrow();
  t.equal(stored.name, 'Sally Seller', 'the first save stands');
  t.equal(versionIn(secondSave.body), String(stored.version), 'the form now carries the current version');

  const deliberate = await second.post(`/admin/users/${target.id}`, { name: 'Sally Estimator', email: target.email, roles: 'sales', active: '1', version: versionIn(secondSave.body) });
  t.equal(deliberate.statusCode, 303, 'saving again is a deliberate overwrite');
});

t.test('password resets: by email link from the admin, set directly, and forgot-password', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client: admin } = await signedInClient(app, db, ['admin']);
  const person = await createUser(db, ['installer']);
  const personClient = new Client(app);
  await personClient.signIn(person.email);

  await admin.get(`/admin/users/${person.id}`);
  const sent = await admin.post(`/admin/users/${person.id}/password-reset`);
  t.equal(sent.statusCode, 303);
  await app.mail.idle();
  const mail = await db.selectFrom('outbox').selectAll().where('to_address', '=', person.email).executeTakeFirstOrThrow();
  t.equal(mail.template, 'password-reset');
  t.equal(mail.status, 'captured', 'without SMTP the message is kept for the Mailbox');

  const mailbox = await admin.get('/admin/mailbox');
  t.equal(mailbox.statusCode, 200);
  t.match(mailbox.body, new RegExp(`id="mail-${mail.id}"`));
  t.match(mailbox.body, /No <code>SMTP_URL<\/code> is set/);
  const message = await admin.get(`/admin/mailbox/${mail.id}`);
  t.match(message.body, /Set a new password for Our shop on Traveler/);
  t.match(message.body, /<iframe class="mail-preview" title="Email preview" sandbox src="\/admin\/mailbox\/\d+\/html">/);
  const html = await admin.get(`/admin/mailbox/${mail.id}/html`);
  t.match(String(html.headers['content-security-policy']), /default-src 'none'.*sandbox/, 'the email HTML runs nothing');
  const resetPath = (mail.text_body ?? '').match(/\/password-reset\/[A-Za-z0-9_-]+/)![0];

  const directly = await admin.post(`/admin/users/${person.id}/password`, { password: 'set by the admin 123' });
  t.equal(directly.statusCode, 303);
  t.equal((await personClient.get('/')).statusCode, 303, 'their sessions ended');
  t.equal((await new Client(app).get(resetPath)).statusCode, 404, 'a new password revokes outstanding reset links');
  t.equal((await new Client(app).signIn(person.email, 'set by the admin 123')).statusCode, 303);

  const forgot = new Client(app);
  await forgot.get('/password-reset');
  const known = await forgot.post('/password-reset', { email: person.email });
  const unknown = await forgot.post('/password-reset', { email: 'stranger@nowhere.test' });
  t.equal(known.statusCode, 200);
  t.equal(unknown.statusCode, 200);
  t.match(unknown.body, /If <strong>stranger@nowhere\.test<\/strong> belongs to an active account/, 'the same answer either way');
  const forgotMails = await db.selectFrom('outbox').select('to_address').where('template', '=', 'password-reset').execute();
  t.equal(forgotMails.length, 2, 'only the real account got a second email');
});

t.test('own password change', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client, user } = await signedInClient(app, db, ['sales']);
  const wrong = await client.post('/account/password', { currentPassword: 'nope', newPassword: 'short' });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, /That is not your current password\./);
  t.match(wrong.body, /Use at least 10 characters\./);
  const ok = await client.post('/account/password', { currentPassword: defaultPassword, newPassword: 'my brand new password' });
  t.equal(ok.statusCode, 303);
  t.equal((await client.get('/account')).statusCode, 200, 'this session stays signed in');
  t.equal((await new Client(app).signIn(user.email, 'my brand new password')).statusCode, 303);
});

t.test('shop settings: validation and conflict', async (t) => {
  const { app, db } = await buildTestApp(t);
  const { client: first } = await signedInClient(app, db, ['admin']);
  const { client: second } = await signedInClient(app, db, ['admin']);
  const a = await first.get('/admin/settings');
  const b = await second.get('/admin/settings');
  const invalid = await first.post('/admin/settings', { shopName: '', replyToEmail: 'nope', customerEmailDelaySeconds: 'soon', version: versionIn(a.body) });
  t.equal(invalid.statusCode, 422);
  t.match(invalid.body, /id="field-shopName-error" class="field-error">Enter the name of your shop\./, 'each message beside its field');
  t.match(invalid.body, /id="field-replyToEmail-error" class="field-error">Enter an email address like office@yourshop\.com, or leave it empty\./);
  t.match(invalid.body, /id="field-customerEmailDelaySeconds-error" class="field-error">Enter a number of seconds from 0 to 3600\./);
  t.match(invalid.body, /value="nope"/);
  t.match(invalid.body, /value="soon"/, 'what was typed is kept, even where it is not a number');
  const badTax = await first.post('/admin/settings', { shopName: 'Acme Signs', replyToEmail: '', customerEmailsEnabled: '1', customerEmailDelaySeconds: '120', orderApproval: 'none', taxLabel: '', taxRate: '8.2.5', paymentTerms: 'x'.repeat(501), archiveAfterDays: '30', salesSeeAllCustomers: '1', version: versionIn(a.body) });
  t.equal(badTax.statusCode, 422);
  t.match(badTax.body, /id="field-taxRate-error" class="field-error">Enter a rate from 0 to 99\.999, like 8\.25\./);
  t.match(badTax.body, /id="field-taxLabel-error" class="field-error">Name the tax, like “Sales tax”\./);
  t.match(badTax.body, /id="field-paymentTerms-error" class="field-error">Keep the payment terms under 500 characters\./);
  t.match(badTax.body, /name="taxRate"[^>]*value="8\.2\.5"/, 'the rate typed is kept');
  t.equal((await first.post('/admin/settings', { shopName: 'Acme Signs', replyToEmail: '', customerEmailsEnabled: '1', customerEmailDelaySeconds: '120', orderApproval: 'none', taxLabel: 'GST', taxRate: '5', paymentTerms: 'Net 30.', archiveAfterDays: '30', salesSeeAllCustomers: '1', version: versionIn(a.body) })).statusCode, 303);
  t.match(await db.selectFrom('shop_settings').select(['tax_label', 'tax_rate', 'payment_terms', 'version']).executeTakeFirstOrThrow(), { tax_label: 'GST', tax_rate: '5.000', payment_terms: 'Net 30.' });
  const saved = await first.get('/admin/settings');
  t.match(saved.body, /name="taxRate"[^>]*value="5"/, 'shown as typed, not as stored');
  t.equal((await first.post('/admin/settings', { shopName: 'Acme Signs', replyToEmail: 'office@acme.test', customerEmailsEnabled: '1', customerEmailDelaySeconds: '120', orderApproval: 'none', taxLabel: 'Sales tax', taxRate: '0', paymentTerms: '', archiveAfterDays: '30', salesSeeAllCustomers: '1', version: versionIn(saved.body) })).statusCode, 303);
  t.match((await first.get('/')).body, /<strong>Acme Signs<\/strong>/, 'the new name shows at once');
  const conflict = await second.post('/admin/settings', { shopName: 'Bolt Graphics', replyToEmail: '', customerEmailsEnabled: '1', customerEmailDelaySeconds: '120', orderApproval: 'none', taxLabel: 'Sales tax', taxRate: '0', paymentTerms: '', archiveAfterDays: '30', salesSeeAllCustomers: '1', version: versionIn(b.body) });
  t.equal(conflict.statusCode, 409);
  t.match(conflict.body, /<dd>Acme Signs<\/dd>/);
  t.match(conflict.body, /<dt>Tax<\/dt><dd>Sales tax, 0 %<\/dd>/, 'their tax setting is shown too');
  t.match(conflict.body, /value="Bolt Graphics"/);
  t.equal((await db.selectFrom('shop_settings').select('shop_name').executeTakeFirstOrThrow()).shop_name, 'Acme Signs');
});
