import t from 'tap';
import type { Db } from '../../src/db/database.js';
import { sendQueueDigests } from '../../src/notifications/alerts.js';
import { createUser } from '../helpers/app.js';
import { freshDatabase } from '../helpers/database.js';
import { placeOrder, seedShop, type Shop } from '../helpers/shop.js';

const timeZone = 'America/Chicago';

/** A shop-floor worker who owns the Pending queue (by role) and wants a digest. */
async function digestReader(db: Db, digest: 'hourly' | 'daily'): Promise<number> {
  const person = await createUser(db, ['production']);
  await db.updateTable('users').set({ queue_digest: digest }).where('id', '=', person.id).execute();
  return person.id;
}

/** New Pending items, one entering the queue at each time given. */
async function itemsArriving(db: Db, shop: Shop, times: string[]): Promise<void> {
  const order = await placeOrder(db, shop, times.map(() => ({})));
  for (const [index, item] of order.items.entries()) {
    await db.updateTable('line_items').set({ status_entered_at: new Date(times[index]!) }).where('id', '=', item.id).execute();
  }
}

async function digestsSent(db: Db, userId: number) {
  const email = (await db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirstOrThrow()).email;
  const rows = await db.selectFrom('outbox').select(['idempotency_key', 'data']).where('template', '=', 'queue-digest').where('to_address', '=', email).orderBy('id').execute();
  return rows.map((row) => ({ key: row.idempotency_key, arrived: (row.data as { queues: { arrived: number }[] }).queues.map((q) => q.arrived) }));
}

const at = (iso: string) => ({ now: new Date(iso), timeZone });

t.test('an hourly digest goes out every hour, each counting what arrived during the hour before', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const reader = await digestReader(db, 'hourly');
  // 09:30, 10:30 and 11:30 in Chicago (CST, UTC-6).
  await itemsArriving(db, shop, ['2026-01-15T15:30:00Z', '2026-01-15T16:30:00Z', '2026-01-15T17:30:00Z']);

  t.equal(await sendQueueDigests(db, at('2026-01-15T16:05:00.004Z')), 1, '10:05: the 09:00 hour');
  t.equal(await sendQueueDigests(db, at('2026-01-15T16:40:00Z')), 0, '10:40: not again in the same hour');
  t.equal(await sendQueueDigests(db, at('2026-01-15T17:05:00Z')), 1, '11:05: the 10:00 hour, although less than an hour after the last run');
  t.equal(await sendQueueDigests(db, at('2026-01-15T18:05:00Z')), 1, '12:05: the 11:00 hour');
  t.same(
    await digestsSent(db, reader),
    [
      { key: `queue-digest:${reader}:2026-01-15T16:00:00.000Z`, arrived: [1] },
      { key: `queue-digest:${reader}:2026-01-15T17:00:00.000Z`, arrived: [1] },
      { key: `queue-digest:${reader}:2026-01-15T18:00:00.000Z`, arrived: [1] },
    ],
    'keyed on the hour; every arrival counted once',
  );
});

t.test('a daily digest goes out once per shop day, at the shop’s midnight', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const reader = await digestReader(db, 'daily');
  // Chicago moves to summer time (UTC-6 to UTC-5) on 8 March 2026.
  await itemsArriving(db, shop, ['2026-03-06T18:00:00Z', '2026-03-07T18:00:00Z', '2026-03-08T18:00:00Z']);

  t.equal(await sendQueueDigests(db, at('2026-03-07T16:05:00Z')), 1, '7 March 10:05: yesterday’s arrivals');
  t.equal(await sendQueueDigests(db, at('2026-03-08T05:05:00Z')), 0, '7 March 23:05 (a new day in UTC, not in Chicago): nothing');
  t.equal(await sendQueueDigests(db, at('2026-03-08T06:05:00Z')), 1, '8 March 00:05: 7 March');
  t.equal(await sendQueueDigests(db, at('2026-03-09T04:05:00Z')), 0, '8 March 23:05 CDT: still 8 March');
  t.equal(await sendQueueDigests(db, at('2026-03-09T05:05:00Z')), 1, '9 March 00:05 CDT: 8 March');
  t.same(
    await digestsSent(db, reader),
    [
      { key: `queue-digest:${reader}:2026-03-07T06:00:00.000Z`, arrived: [1] },
      { key: `queue-digest:${reader}:2026-03-08T06:00:00.000Z`, arrived: [1] },
      { key: `queue-digest:${reader}:2026-03-09T05:00:00.000Z`, arrived: [1] },
    ],
    'keyed on the shop’s midnight',
  );
});

t.test('two app instances running the digests for the same hour send one', async (t) => {
  const { db } = await freshDatabase(t);
  const shop = await seedShop(db);
  const reader = await digestReader(db, 'hourly');
  await itemsArriving(db, shop, ['2026-01-15T15:30:00Z']);

  const [one, other] = await Promise.all([sendQueueDigests(db, at('2026-01-15T16:05:00Z')), sendQueueDigests(db, at('2026-01-15T16:05:00.250Z'))]);
  t.equal(one + other, 1, 'one digest between them');
  t.equal((await digestsSent(db, reader)).length, 1);
});

t.test('nothing new: the hour is claimed and no email is sent', async (t) => {
  const { db } = await freshDatabase(t);
  await seedShop(db);
  const reader = await digestReader(db, 'hourly');
  t.equal(await sendQueueDigests(db, at('2026-01-15T16:05:00Z')), 0);
  const slot = await db.selectFrom('users').select('queue_digest_slot').where('id', '=', reader).executeTakeFirstOrThrow();
  t.same(slot.queue_digest_slot, new Date('2026-01-15T16:00:00Z'), 'the slot is recorded all the same');
  t.same(await digestsSent(db, reader), []);
});
