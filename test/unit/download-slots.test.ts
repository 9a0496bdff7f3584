import t from 'tap';
import { DownloadSlots } from '../../src/reports/download-slots.js';

t.test('slots are handed out up to the limit, then passed on in order as they are released', async (t) => {
  const slots = new DownloadSlots(2, 5_000);
  const first = (await slots.take())!;
  const second = (await slots.take())!;
  t.equal(slots.inUse, 2);
  const order: string[] = [];
  const third = slots.take().then((release) => (order.push('third'), release));
  const fourth = slots.take().then((release) => (order.push('fourth'), release));
  await new Promise((resolve) => setImmediate(resolve));
  t.same(order, [], 'nobody gets a third slot while two are taken');
  first();
  first();
  const releaseThird = (await third)!;
  t.same(order, ['third'], 'a release passes one slot on, however often it is called');
  t.equal(slots.inUse, 2);
  second();
  const releaseFourth = (await fourth)!;
  t.same(order, ['third', 'fourth']);
  releaseThird();
  releaseFourth();
  t.equal(slots.inUse, 0, 'every slot is back');
});

t.test('a wait that runs out gets no slot and leaves the line', async (t) => {
  const slots = new DownloadSlots(1, 20);
  const only = (await slots.take())!;
  t.equal(await slots.take(), undefined, 'no slot came free in time');
  only();
  t.equal(slots.inUse, 0, 'the slot is not handed to the request that gave up');
  const again = await slots.take();
  t.type(again, 'function');
});
