import type { FastifyInstance } from 'fastify';
import { HttpError } from '../platform/errors.js';
import { itemHistory } from '../production/items.js';
import { fulfillmentMethods } from '../workflow/definition.js';
import { findOrder, orderItems } from './queries.js';

function parseId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new HttpError(404);
  return id;
}

export async function orderRoutes(app: FastifyInstance) {
  const { db } = app;

  app.get('/orders/:id', { config: { access: 'orders:view' } }, async (request, reply) => {
    const orderId = parseId((request.params as { id: string }).id);
    const order = await findOrder(db, orderId);
    if (!order) throw new HttpError(404, 'There is no such order.');
    const [items, workflow] = await Promise.all([orderItems(db, orderId), app.workflow.get()]);
    const history = await itemHistory(db, items.map((item) => item.id));
    return reply.page('orders/order', {
      title: `Order ${order.number}`,
      order,
      items,
      history,
      statuses: workflow.statuses,
      queues: new Map(workflow.queues.map((queue) => [queue.key, queue.label])),
      fulfillmentMethods,
    });
  });
}
