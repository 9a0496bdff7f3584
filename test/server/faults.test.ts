import t from 'tap';
import { createUser } from '../helpers/app.js';
import { freshDatabase, withAdminClient } from '../helpers/database.js';
import { HttpSession, pollUntil, startServerProcess } from '../helpers/server-process.js';
import { placeOrder, seedShop } from '../helpers/shop.js';

const internals = /\bat [\w.<>]+ \(|\.ts:\d+|node_modules|Error: /;

const admin = withAdminClient;

function terminateBackends(database: string) {
  return admin((client) => client.query('select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database]));
}

t.test('database connections cut under concurrent requests fail those requests, not the process', async (t) => {
  const { db, url, name } = await freshDatabase(t, 4);
  const shop = await seedShop(db);
  const orders = await Promise.all(Array.from({ length: 6 }, () => placeOrder(db, shop, [{}, {}, {}, {}])));
  const items = orders.flatMap((order) => order.items.map((item) => ({ id: item.id, orderId: order.id })));
  const person = await createUser(db, ['admin', 'production']);

  const server = await startServerProcess(t, url);
  const session = new HttpSession(server.baseUrl);
  await session.signIn(person.email, person.password);

  const statuses = new Map<number, number>();
  const unfriendly: string[] = [];
  const unanswered: string[] = [];
  let completed = 0;
  let stop = false;
  // Reads, and transactions of several statements: a connection cut between two statements of a
  // transaction is the one that used to take the process down.
  async function worker(index: number) {
    while (!stop) {
      const item = items[(completed + index) % items.length]!;
      const step = completed % 3;
      const response = await (step === 0
        ? session.request('GET', '/queues/pending')
        : step === 1
          ? session.request('GET', `/orders/${item.orderId}`)
          : session.request('POST', `/items/${item.id}/transitions`, { version: '1', from: 'pending', to: 'in_progress', returnTo: '/queues/pending' })
      ).catch((error: Error) => ({ status: 0, body: `no answer: ${String((error.cause as Error | undefined)?.message ?? error.message)}` }));
      if (response.status === 0) unanswered.push(response.body);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500 && (internals.test(response.body) || !/Something went wrong|cannot be reached/.test(response.body))) {
        unfriendly.push(`${response.status}: ${response.body.slice(0, 200)}`);
      }
      completed += 1;
    }
  }
  const workers = Array.from({ length: 8 }, (_, index) => worker(index));
  let terminated = 0;
  for (let round = 0; round < 15 && server.alive(); round++) {
    const before = completed;
    await pollUntil('requests keep flowing', async () => completed >= before + 15 || !server.alive());
    terminated += (await terminateBackends(name)).rows[0]!.n;
  }
  stop = true;
  await Promise.all(workers);

  t.ok(server.alive(), `the process survived ${terminated} terminated connections under ${completed} requests`);
  t.ok(terminated >= 15, 'connections were really cut');
  t.same(unfriendly, [], 'failed requests got the friendly error page');
  t.same(unanswered, [], 'every request got an answer');
  if (unanswered.length > 0 || !server.alive()) t.comment(server.output().slice(-4000));
  t.comment(`statuses while connections were cut: ${JSON.stringify(Object.fromEntries(statuses))}`);
  const after = await session.request('GET', '/queues/pending');
  t.equal(after.status, 200, 'and keeps serving afterwards');
  t.notMatch(server.output(), /uncaughtException|unhandledRejection|shutting down after an error/);
});

t.test('while the database refuses connections /readyz says 503, pages fail politely, and both recover', async (t) => {
  const { db, url, name } = await freshDatabase(t, 2);
  const person = await createUser(db, ['admin']);
  const server = await startServerProcess(t, url);
  const session = new HttpSession(server.baseUrl);
  await session.signIn(person.email, person.password);
  t.equal((await fetch(`${server.baseUrl}/readyz`)).status, 200);

  t.teardown(() => admin((client) => client.query(`alter database "${name}" allow_connections true`)));
  await admin((client) => client.query(`alter database "${name}" allow_connections false`));
  await terminateBackends(name);

  await pollUntil('/readyz turns 503', async () => (await fetch(`${server.baseUrl}/readyz`)).status === 503);
  const page = await session.request('GET', '/admin/users');
  t.ok(page.status === 503 || page.status === 500, `a page during the outage fails (${page.status})`);
  t.match(page.body, /cannot be reached right now|Something went wrong/, 'with the friendly error page');
  t.notMatch(page.body, internals);
  t.equal((await fetch(`${server.baseUrl}/healthz`)).status, 200, 'the process is alive');

  await admin((client) => client.query(`alter database "${name}" allow_connections true`));
  await pollUntil('/readyz recovers', async () => (await fetch(`${server.baseUrl}/readyz`)).status === 200);
  await pollUntil('pages recover', async () => (await session.request('GET', '/admin/users')).status === 200);
  t.ok(server.alive(), 'the same process serves again');
});
