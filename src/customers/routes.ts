import { customerBalance } from '../payments/payments.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formText } from '../platform/forms.js';
import { IdParams, NoQuery, Query, Text, Version } from '../platform/schemas.js';
import { customerBlockers } from '../alerts/center.js';
import { lineItemWorkflow } from '../line-items/subject.js';
import * as fmt from '../platform/format.js';
import { createCustomer, customerForm, findCustomer, listCustomers, salespeople, updateCustomer, type CustomerInput } from './customers.js';

const NewCustomerForm = customerForm.schema();
const EditCustomerForm = customerForm.schema({ version: Version });
const readCustomer = (body: unknown) => customerForm.read(body);

export async function customerRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;
  const manage = { access: 'customers:manage' } as const;

  /** A salesperson kept to their own customers keeps the customers they add and edit. */
  const ownedBy = (request: FastifyRequest, values: CustomerInput): CustomerInput => (request.scope ? { ...values, salespersonId: String(request.scope.salespersonId) } : values);

  const formPage = async (reply: FastifyReply, values: CustomerInput & { version?: number }, errors: FieldErrors, options: { id?: number; statusCode?: number; current?: CustomerInput } = {}) => {
    const blockers = options.id ? await customerBlockers(db, options.id) : [];
    const [workflow, now] = [await app.workflows.get(lineItemWorkflow), new Date()];
    const waiting = blockers.map((blocker) => ({
      ...blocker,
      label: fmt.itemLabel(blocker.orderNumber, blocker.position, blocker.lastItemNumber),
      statusLabel: (blocker.status && workflow.statuses.get(blocker.status)?.label) || blocker.status,
      age: fmt.clockDuration(now.getTime() - blocker.since.getTime()),
    }));
    const balance = options.id ? await customerBalance(db, options.id) : undefined;
    const people = await salespeople(db, values.salespersonId || undefined);
    const choices = { salespersonId: people.map((person) => ({ value: String(person.id), label: person.name })) };
    const scoped = reply.request.scope !== null;
    return reply.page(
      'customers/form',
      { title: options.id ? `Edit ${values.name || 'customer'}` : 'New customer', values, errors, customerId: options.id, current: options.current, spec: customerForm, choices, scoped, waiting, balance },
      options.statusCode ?? 200,
    );
  };

  app.get('/customers', { config: manage, schema: { querystring: Query({ q: Text(1000) }) } }, async (request, reply) => {
    const text = (request.query.q ?? '').trim().slice(0, 100);
    const customers = await listCustomers(db, text, request.scope);
    return reply.page('customers/list', { title: 'Customers', customers, text });
  });

  app.get('/customers/new', { config: manage, schema: { querystring: NoQuery } }, async (request, reply) => {
    // Sales staff add customers as their own.
    const mine = request.user!.roles.includes('sales') ? String(request.user!.id) : '';
    return formPage(reply, customerForm.blank({ emailUpdates: true, salespersonId: mine }), {});
  });

  app.post('/customers', { config: manage, schema: { querystring: NoQuery, body: NewCustomerForm } }, async (request, reply) => {
    const values = ownedBy(request, readCustomer(request.body));
    try {
      const id = await createCustomer(db, { userId: request.user!.id }, values);
      request.session.flash = `${values.name} was added.`;
      return reply.seeOther(`/orders/new?customer=${id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return formPage(reply, values, error.fieldErrors, { statusCode: 422 });
    }
  });

  app.get('/customers/:id', { config: manage, schema: { params: IdParams, querystring: NoQuery } }, async (request, reply) => {
    const id = Number(request.params.id);
    const customer = await findCustomer(db, id);
    if (!customer) throw new HttpError(404, 'There is no such customer.');
    return formPage(reply, customer, {}, { id });
  });

  app.post('/customers/:id', { config: manage, schema: { params: IdParams, querystring: NoQuery, body: EditCustomerForm } }, async (request, reply) => {
    const id = Number(request.params.id);
    const values = { ...ownedBy(request, readCustomer(request.body)), version: Number(formText(request.body, 'version')) };
    try {
      await updateCustomer(db, { userId: request.user!.id }, id, values);
      request.session.flash = `Saved ${values.name}.`;
      return reply.seeOther('/customers');
    } catch (error) {
      if (error instanceof ConflictError) {
        const current = await findCustomer(db, id);
        if (!current) throw new HttpError(404, 'There is no such customer.');
        return formPage(reply, { ...values, version: current.version }, { form: error.message }, { id, statusCode: 409, current });
      }
      if (!(error instanceof ValidationError)) throw error;
      return formPage(reply, values, error.fieldErrors, { id, statusCode: 422 });
    }
  });
}
