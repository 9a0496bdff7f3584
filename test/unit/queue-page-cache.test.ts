import t from 'tap';
import { QueuePageCache } from '../../src/workflow/queue-page-cache.js';
import type { QueuePage } from '../../src/production/queue-query.js';

const filter = { sort: 'due' as const };

function counter() {
  let reads = 0;
  const load = async (): Promise<QueuePage> => ({ rows: [], nextCursor: `read ${++reads}` });
  return { load, reads: () => reads };
}

t.test('a page is reused while its queue keeps the same change number, and read again when it moves', async (t) => {
  const cache = new QueuePageCache();
  const { load, reads } = counter();
  t.equal((await cache.read('production', ['pending'], filter, '2026-11-22', 7, load)).nextCursor, 'read 1');
  t.equal((await cache.read('production', ['pending'], filter, '2026-11-22', 7, load)).nextCursor, 'read 1', 'same number: reused');
  t.equal((await cache.read('production', ['pending'], filter, '2026-11-22', 8, load)).nextCursor, 'read 2', 'new number: read');
  t.equal((await cache.read('production', ['pending'], { sort: 'age' }, '2026-11-22', 8, load)).nextCursor, 'read 3', 'another filter is another page');
  t.equal((await cache.read('production', ['pending'], filter, '2026-11-23', 8, load)).nextCursor, 'read 4', 'a new day is another page (overdue changes)');
  t.equal(reads(), 4);
});

t.test('concurrent requests share one read; a failed read is not kept', async (t) => {
  const cache = new QueuePageCache();
  const { load, reads } = counter();
  const [a, b] = await Promise.all([cache.read('production', ['pending'], filter, 'd', 1, load), cache.read('production', ['pending'], filter, 'd', 1, load)]);
  t.equal(a, b);
  t.equal(reads(), 1);
  await t.rejects(cache.read('production', ['wip'], filter, 'd', 1, () => Promise.reject(new Error('database went away'))));
  t.equal((await cache.read('production', ['wip'], filter, 'd', 1, load)).nextCursor, 'read 2', 'the next request reads again');
});

t.test('copies expire, the least recently used go first, and 0 keeps nothing', async (t) => {
  let clock = 1_000;
  const expiring = new QueuePageCache(300, 20, () => clock);
  const first = counter();
  await expiring.read('production', ['pending'], filter, 'd', 1, first.load);
  clock += 19;
  await expiring.read('production', ['pending'], filter, 'd', 1, first.load);
  t.equal(first.reads(), 1, 'a copy younger than its keep time is reused');
  clock += 2;
  await expiring.read('production', ['pending'], filter, 'd', 1, first.load);
  t.equal(first.reads(), 2, 'an expired copy is read again (running work clocks add minutes)');

  const small = new QueuePageCache(2);
  const second = counter();
  await small.read('production', ['a'], filter, 'd', 1, second.load);
  await small.read('production', ['b'], filter, 'd', 1, second.load);
  await small.read('production', ['a'], filter, 'd', 1, second.load); // a is now the most recently used
  await small.read('production', ['c'], filter, 'd', 1, second.load); // evicts b
  t.equal(second.reads(), 3);
  await small.read('production', ['a'], filter, 'd', 1, second.load);
  t.equal(second.reads(), 3, 'a was kept');
  await small.read('production', ['b'], filter, 'd', 1, second.load);
  t.equal(second.reads(), 4, 'b was evicted');

  const none = new QueuePageCache(0);
  const third = counter();
  await none.read('production', ['pending'], filter, 'd', 1, third.load);
  await none.read('production', ['pending'], filter, 'd', 1, third.load);
  t.equal(third.reads(), 2);
});

t.test('queues of different workflows never share a page, whatever their statuses are called', async (t) => {
  const cache = new QueuePageCache();
  const { load, reads } = counter();
  await cache.read('production', ['pending'], filter, 'd', 1, load);
  const other = await cache.read('service', ['pending'], filter, 'd', 1, load);
  t.equal(other.nextCursor, 'read 2');
  t.equal(reads(), 2);
});
