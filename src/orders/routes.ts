import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { isHtmx } from '../platform/forms.js';
import { can } from '../platform/permissions.js';
import { renderHtml } from '../platform/views.js';
import { itemHistory } from '../production/items.js';
import { timeWorkedOn, totalMinutes } from '../production/work-logs.js';
import { jobTravelers } from './traveler.js';
import { fulfillmentMethods } from '../workflow/definition.js';
import { blankItemRow, filledRows, readOrderForm, type ItemRow, type OrderForm } from './order-form.js';
import { createOrder, maxItemsPerOrder, updateOrder } from './orders.js';
import { findOrder, listOrders, orderFormChoices, orderItems } from './queries.js';

function parseId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new HttpError(404);
  return id;
}

const spareRows = 2;

export async function orderRoutes(app: FastifyInstance) {
  const { db } = app;
  const viewOrders = { config: { access: 'orders:view' } } as const;
  const manageOrders = { config: { access: 'orders:manage' } } as const;

  /** The order form, whole: as a page, or as the region htmx swaps when rows are added or removed. */
  async function formReply(request: FastifyRequest, reply: FastifyReply, form: OrderForm, options: { orderId?: number; orderNumber?: number; errors?: FieldErrors; statusCode?: number }) {
    const choices = await orderFormChoices(db);
    const data = {
      title: options.orderNumber ? `Edit order ${options.orderNumber}` : 'New order',
      form,
      errors: options.errors ?? {},
      choices,
      fulfillmentMethods,
      orderId: options.orderId,
      orderNumber: options.orderNumber,
      action: options.orderId ? `/orders/${options.orderId}` : '/orders',
      maxItems: maxItemsPerOrder,
    };
    if (isHtmx(request)) return reply.fragment('orders/order-form', data, options.statusCode ?? 200);
    return reply.page('orders/edit', { ...data, wide: true }, options.statusCode ?? 200);
  }

  /** Add/remove row buttons re-render the form; the save button saves. */
  async function handleForm(request: FastifyRequest, reply: FastifyReply, save: (form: OrderForm, rows: ItemRow[]) => Promise<number>, target: { orderId?: number; orderNumber?: number }) {
    const { form, action } = readOrderForm(request.body);
    if (action.kind === 'add') {
      form.items.push(blankItemRow({ dueDate: form.dueDate }));
      return formReply(request, reply, form, target);
    }
    if (action.kind === 'remove') {
      form.items.splice(action.index, 1);
      if (form.items.length === 0) form.items.push(blankItemRow());
      return formReply(request, reply, form, target);
    }
    const rows = filledRows(form);
    const saving = { ...form, items: rows.length > 0 ? rows : form.items.slice(0, 1) };
    try {
      const orderId = await save(form, rows);
      const location = `/orders/${orderId}`;
      request.session.flash = target.orderId ? 'Order saved.' : 'Order created. Its items are now in the Pending queue.';
      if (isHtmx(request)) return reply.header('HX-Redirect', location).code(204).send();
      return reply.redirect(location, 303);
    } catch (error) {
      if (error instanceof ConflictError) return formReply(request, reply, saving, { ...target, errors: { form: error.message }, statusCode: 409 });
      if (!(error instanceof ValidationError)) throw error;
      return formReply(request, reply, saving, { ...target, errors: error.fieldErrors, statusCode: 422 });
    }
  }

  app.get('/orders', viewOrders, async (request, reply) => {
    const query = request.query as { q?: string; before?: string };
    const text = typeof query.q === 'string' && query.q.trim() !== '' ? query.q.trim().slice(0, 100) : undefined;
    const before = typeof query.before === 'string' && /^\d+$/.test(query.before) ? Number(query.before) : undefined;
    const page = await listOrders(db, { text, beforeNumber: before });
    return reply.page('orders/list', { title: 'Orders', ...page, text: text ?? '', canManage: can(request.user!.roles, 'orders:manage') });
  });

  app.get('/orders/new', manageOrders, async (request, reply) => {
    const query = request.query as { customer?: string };
    const form: OrderForm = {
      customerId: typeof query.customer === 'string' && /^\d+$/.test(query.customer) ? query.customer : '',
      salespersonId: request.user!.roles.includes('sales') ? String(request.user!.id) : '',
      dueDate: '',
      notes: '',
      version: '',
      muted: false,
      items: Array.from({ length: 1 + spareRows }, () => blankItemRow()),
    };
    return formReply(request, reply, form, {});
  });

  app.post('/orders', manageOrders, async (request, reply) => {
    return handleForm(request, reply, async (form, rows) => {
      const created = await createOrder(db, { userId: request.user!.id }, { ...form, items: rows });
      return created.id;
    }, {});
  });

  app.get('/orders/:id', viewOrders, async (request, reply) => {
    const orderId = parseId((request.params as { id: string }).id);
    const order = await findOrder(db, orderId);
    if (!order) throw new HttpError(404, 'There is no such order.');
    const [items, workflow] = await Promise.all([orderItems(db, orderId), app.workflow.get()]);
    const [history, worked] = await Promise.all([itemHistory(db, items.map((item) => item.id)), timeWorkedOn(db, items.map((item) => item.id))]);
    const workedByPerson = new Map<string, number>();
    for (const times of worked.values()) for (const time of times) workedByPerson.set(time.name, (workedByPerson.get(time.name) ?? 0) + time.minutes);
    return reply.page('orders/order', {
      title: `Order ${order.number}`,
      order,
      items,
      history,
      worked,
      workedByPerson: [...workedByPerson.entries()].sort((a, b) => a[0].localeCompare(b[0])),
      totalMinutes,
      statuses: workflow.statuses,
      queues: new Map(workflow.queues.map((queue) => [queue.key, queue.label])),
      fulfillmentMethods,
      canManage: can(request.user!.roles, 'orders:manage'),
    });
  });

  // One printed sheet per order: a block per item with its QR code and barcode for the kiosks' scanners.
  app.get('/orders/:id/traveler', viewOrders, async (request, reply) => {
    const orderId = parseId((request.params as { id: string }).id);
    const order = await findOrder(db, orderId);
    if (!order) throw new HttpError(404, 'There is no such order.');
    const items = await jobTravelers(order.number, await orderItems(db, orderId));
    const html = renderHtml('orders/traveler', { order, items, shopName: app.shopName(), fulfillmentMethods, printedAt: new Date() });
    return reply.type('text/html; charset=utf-8').send(html);
  });

  app.get('/orders/:id/edit', manageOrders, async (request, reply) => {
    const orderId = parseId((request.params as { id: string }).id);
    const order = await findOrder(db, orderId);
    if (!order) throw new HttpError(404, 'There is no such order.');
    const items = await db.selectFrom('line_items').selectAll().where('order_id', '=', orderId).orderBy('position').execute();
    const salesperson = await db.selectFrom('orders').select('salesperson_id').where('id', '=', orderId).executeTakeFirstOrThrow();
    const form: OrderForm = {
      customerId: String(order.customerId),
      salespersonId: salesperson.salesperson_id ? String(salesperson.salesperson_id) : '',
      dueDate: order.dueDate ?? '',
      notes: order.notes,
      version: String(order.version),
      muted: order.muted,
      items: [
        ...items.map((item) => ({
          itemId: String(item.id),
          description: item.description,
          quantity: String(item.quantity),
          unitPrice: String(item.unit_price),
          machineId: item.machine_id ? String(item.machine_id) : '',
          materialId: item.material_id ? String(item.material_id) : '',
          fulfillmentMethod: item.fulfillment_method,
          dueDate: item.due_date ?? '',
          assigneeId: item.assignee_id ? String(item.assignee_id) : '',
          notes: item.notes,
          expectedHours: item.expected_work_minutes ? String(Math.round((item.expected_work_minutes / 60) * 100) / 100) : '',
        })),
        blankItemRow({ dueDate: order.dueDate ?? '' }),
      ],
    };
    return formReply(request, reply, form, { orderId, orderNumber: order.number });
  });

  app.post('/orders/:id', manageOrders, async (request, reply) => {
    const orderId = parseId((request.params as { id: string }).id);
    const order = await findOrder(db, orderId);
    if (!order) throw new HttpError(404, 'There is no such order.');
    return handleForm(request, reply, async (form, rows) => {
      await updateOrder(db, { userId: request.user!.id }, orderId, {
        ...form,
        items: rows,
        itemIds: rows.map((row) => (/^\d+$/.test(row.itemId) ? Number(row.itemId) : null)),
        version: Number(form.version),
      });
      return orderId;
    }, { orderId, orderNumber: order.number });
  });
}
