import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formText, isHtmx } from '../platform/forms.js';
import { can } from '../platform/permissions.js';
import { IdParams, isCanonicalId, NoQuery, Query, Repeated, Text, OneOf } from '../platform/schemas.js';
import { renderHtml } from '../platform/views.js';
import { fulfillmentMethods } from '../line-items/fulfillment.js';
import { orderPage } from './order-page.js';
import { orderWorkflow } from './subject.js';
import { queueCounts } from '../workflow/queue-changes.js';
import { blankItemRow, filledRows, formFromPrevious, itemPrefix, mergeAfterConflict, readOrderForm, type ConflictMerge, type ItemRow, type OrderForm } from './order-form.js';
import { chargesLockedReason, createOrder, maxItemsPerOrder, OrderConflictError, orderForm, orderItemForm, updateOrder } from './orders.js';
import { visible } from '../visibility/scope.js';
import { archivedStatusesOf } from './archive.js';
import { findOrder, listOrders, orderFormChoices, orderItems, savedOrderForm } from './queries.js';
import { jobTravelers } from './traveler.js';


const spareRows = 2;
const rowsAtMost = maxItemsPerOrder + spareRows + 10;

const OrderFormBody = orderForm.schema({
  version: Text(20),
  base: Text(500_000),
  action: Text(30),
  confirmRemoval: Text(10),
  copiedFrom: Text(20),
  [`${itemPrefix}itemId`]: Repeated(Text(20), rowsAtMost),
  [`${itemPrefix}number`]: Repeated(Text(20), rowsAtMost),
  ...orderItemForm.repeatedSchema(itemPrefix, rowsAtMost),
});

interface FormTarget {
  orderId?: number;
  orderNumber?: number;
}

export async function orderRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;
  const viewOrders = { access: 'orders:view' } as const;
  const manageOrders = { access: 'orders:manage' } as const;

  async function loadOrder(orderId: number) {
    const order = await findOrder(db, orderId);
    if (!order) throw new HttpError(404, 'There is no such order.');
    return order;
  }

  /** The order form, whole: as a page, or as the region htmx swaps when rows are added or removed. */
  async function formReply(
    request: FastifyRequest,
    reply: FastifyReply,
    form: OrderForm,
    options: FormTarget & { errors?: FieldErrors; statusCode?: number; theirs?: Awaited<ReturnType<typeof savedOrderForm>>; merged?: ConflictMerge; notice?: string },
  ) {
    const choices = await orderFormChoices(db, request.scope);
    const chargesLocked = options.orderId === undefined ? undefined : await chargesLockedReason(db, options.orderId, request.user!.roles);
    const data = {
      title: options.orderNumber ? `Edit order ${options.orderNumber}` : 'New order',
      form,
      errors: options.errors ?? {},
      choices,
      fulfillmentMethods,
      orderForm,
      itemForm: orderItemForm,
      itemPrefix,
      itemOptions: {
        machineId: choices.machines.map((machine) => ({ value: String(machine.id), label: machine.name })),
        materialId: choices.materials.map((material) => ({ value: String(material.id), label: material.name })),
        fulfillmentMethod: fulfillmentMethods.map((method) => ({ value: method.key, label: method.label })),
        assigneeId: choices.people.map((person) => ({ value: String(person.id), label: person.name })),
      },
      orderId: options.orderId,
      orderNumber: options.orderNumber,
      action: options.orderId ? `/orders/${options.orderId}` : '/orders',
      maxItems: maxItemsPerOrder,
      theirs: options.theirs,
      differences: options.merged?.differences ?? {},
      mergeNotes: options.merged?.notes ?? [],
      notice: options.notice,
      chargesNote: chargesLocked,
    };
    if (isHtmx(request)) return reply.fragment('orders/order-form', data, options.statusCode ?? 200);
    return reply.page('orders/edit', { ...data, wide: true }, options.statusCode ?? 200);
  }

  /** Add/remove row buttons re-render the form; the save button saves. */
  async function handleForm(request: FastifyRequest, reply: FastifyReply, save: (form: OrderForm, rows: ItemRow[]) => Promise<{ id: number; flash: string }>, target: FormTarget) {
    const { form, action } = readOrderForm(request.body);
    if (action.kind === 'add') {
      form.items.push(blankItemRow({ dueDate: form.dueDate }));
      return formReply(request, reply, form, target);
    }
    if (action.kind === 'refresh') return formReply(request, reply, form, target);
    if (action.kind === 'remove') {
      const [removed] = form.items.splice(action.index, 1);
      if (form.items.length === 0) form.items.push(blankItemRow());
      const notice = removed?.itemId ? `Item ${removed.number || ''} “${removed.description}” will be removed when you save; you will be asked to confirm.` : undefined;
      return formReply(request, reply, form, { ...target, notice });
    }
    const rows = filledRows(form);
    const saving = { ...form, items: rows.length > 0 ? rows : form.items.slice(0, 1) };
    try {
      // A salesperson kept to their own customers orders only for them.
      if (request.scope && isCanonicalId(form.customerId) && !(await visible.customer(db, request.scope, Number(form.customerId)))) {
        throw new ValidationError({ customerId: 'Choose one of your customers from the list.' });
      }
      const { id: orderId, flash } = await save(form, rows);
      request.session.flash = flash;
      if (isHtmx(request)) return reply.htmxRedirect(`/orders/${orderId}`);
      return reply.seeOther(`/orders/${orderId}`);
    } catch (error) {
      if (error instanceof OrderConflictError && target.orderId) {
        const theirs = await savedOrderForm(db, target.orderId);
        const merged = mergeAfterConflict(saving, theirs.form);
        return formReply(request, reply, merged.form, { ...target, errors: { form: error.message }, statusCode: 409, theirs, merged });
      }
      if (!(error instanceof ValidationError)) throw error;
      return formReply(request, reply, saving, { ...target, errors: error.fieldErrors, statusCode: 422 });
    }
  }

  app.get('/orders', { config: viewOrders, schema: { querystring: Query({ q: Text(1000), before: Text(30), queue: Text(40), archived: OneOf(['1']) }) } }, async (request, reply) => {
    const { q, before, queue: queueKey } = request.query;
    const text = q !== undefined && q.trim() !== '' ? q.trim().slice(0, 100) : undefined;
    const beforeNumber = before !== undefined && isCanonicalId(before) ? Number(before) : undefined;
    const workflow = await app.workflows.get(orderWorkflow);
    const queue = queueKey ? workflow.queues.find((candidate) => candidate.key === queueKey) : undefined;
    if (queueKey && !queue) throw new HttpError(404, 'There is no such list of orders.');
    // Archived orders leave the everyday list; a search finds them, and admins list them on their own.
    const archivedStatuses = archivedStatusesOf(workflow);
    const canListArchive = can(request.user!.roles, 'users:manage');
    const showArchive = request.query.archived === '1' && canListArchive;
    const statuses = showArchive ? archivedStatuses : queue?.statuses;
    const page = await listOrders(db, { text, beforeNumber, statuses, leaveOut: showArchive || text !== undefined || queue ? undefined : archivedStatuses }, request.scope);
    const counts = await queueCounts(db, orderWorkflow);
    return reply.page('orders/list', {
      title: showArchive ? 'Orders: archived' : queue ? `Orders: ${queue.label}` : 'Orders',
      archived: showArchive,
      canListArchive,
      ...page,
      text: text ?? '',
      queue: queue?.key ?? '',
      queues: workflow.queues.map((each) => ({ key: each.key, label: each.label, count: counts[each.key] ?? 0 })),
      statuses: workflow.statuses,
      canManage: can(request.user!.roles, 'orders:manage'),
    });
  });

  app.get('/orders/new', { config: manageOrders, schema: { querystring: Query({ customer: Text(30), from: Text(30) }) } }, async (request, reply) => {
    const { customer, from } = request.query;
    if (from !== undefined) {
      // A repeat order: the previous one's lines, ready to change.
      const previous = isCanonicalId(from) ? await findOrder(db, Number(from)) : undefined;
      if (!previous || (request.scope && !(await visible.order(db, request.scope, previous.id)))) throw new HttpError(404, 'There is no such order to start from.');
      const form = formFromPrevious((await savedOrderForm(db, previous.id)).form, previous.id);
      form.items.push(blankItemRow());
      return formReply(request, reply, form, { notice: `A new order from order ${previous.number}: its lines, prices and notes are copied. Set the due date, check the lines, then save.` });
    }
    const form: OrderForm = {
      customerId: customer !== undefined && isCanonicalId(customer) ? customer : '',
      salespersonId: request.user!.roles.includes('sales') ? String(request.user!.id) : '',
      dueDate: '',
      notes: '',
      version: '',
      muted: false,
      confirmRemoval: false,
      items: Array.from({ length: 1 + spareRows }, () => blankItemRow()),
    };
    return formReply(request, reply, form, {});
  });

  app.post('/orders', { config: manageOrders, schema: { querystring: NoQuery, body: OrderFormBody } }, async (request, reply) => {
    return handleForm(
      request,
      reply,
      async (form, rows) => {
        const copiedFrom = form.copiedFrom && isCanonicalId(form.copiedFrom) ? Number(form.copiedFrom) : undefined;
        // Its documents come along: only from an order this person may see.
        if (copiedFrom !== undefined && request.scope && !(await visible.order(db, request.scope, copiedFrom))) throw new HttpError(404, 'There is no such order to start from.');
        const created = await createOrder(db, { userId: request.user!.id }, { ...form, items: rows, copiedFromId: copiedFrom });
        return { id: created.id, flash: created.awaitingApproval ? `Order ${created.number} is a draft: submit it for review when it is ready. Its items start production once it is approved.` : 'Order created. Its items are now in the Pending queue.' };
      },
      {},
    );
  });

  app.get('/orders/:id', { config: viewOrders, schema: { params: IdParams, querystring: NoQuery } }, async (request, reply) => {
    return orderPage(app, request, reply, Number(request.params.id));
  });

  // One printed sheet per order: a block per item with its QR code and barcode for the kiosks' scanners.
  app.get('/orders/:id/traveler', { config: viewOrders, schema: { params: IdParams, querystring: NoQuery } }, async (request, reply) => {
    const orderId = Number(request.params.id);
    const order = await loadOrder(orderId);
    const items = await jobTravelers(order.number, await orderItems(db, orderId));
    const html = renderHtml('orders/traveler', { order, items, shopName: app.shopName(), fulfillmentMethods, printedAt: new Date() });
    return reply.type('text/html; charset=utf-8').send(html);
  });

  app.get('/orders/:id/edit', { config: manageOrders, schema: { params: IdParams, querystring: NoQuery } }, async (request, reply) => {
    const orderId = Number(request.params.id);
    const order = await loadOrder(orderId);
    // An archived order is read-only: say so before anything is typed, not after.
    if (archivedStatusesOf(await app.workflows.get(orderWorkflow)).includes(order.status)) {
      request.session.flash = `Order ${order.number} is archived, so it is read-only. Take it out of the archive to change it.`;
      return reply.seeOther(`/orders/${orderId}`);
    }
    const { form } = await savedOrderForm(db, orderId);
    form.items.push(blankItemRow({ dueDate: form.dueDate }));
    return formReply(request, reply, form, { orderId, orderNumber: order.number });
  });

  app.post('/orders/:id', { config: manageOrders, schema: { params: IdParams, querystring: NoQuery, body: OrderFormBody } }, async (request, reply) => {
    const orderId = Number(request.params.id);
    const order = await loadOrder(orderId);
    return handleForm(
      request,
      reply,
      async (form, rows) => {
        await updateOrder(db, { userId: request.user!.id, roles: request.user!.roles }, orderId, {
          ...form,
          items: rows,
          itemIds: rows.map((row) => (row.itemId === '' ? null : isCanonicalId(row.itemId) ? Number(row.itemId) : 0)),
          version: Number(formText(request.body, 'version')),
          confirmRemoval: form.confirmRemoval,
        });
        return { id: orderId, flash: 'Order saved.' };
      },
      { orderId, orderNumber: order.number },
    );
  });
}
