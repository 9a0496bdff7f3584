import type { FastifyInstance, FastifyReply } from 'fastify';
import { sql } from 'kysely';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formChecked, formText } from '../platform/forms.js';
import { createCustomer, updateCustomer, type CustomerInput } from './customers.js';

function parseId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new HttpError(404);
  return id;
}

function readCustomer(body: unknown): CustomerInput {
  return {
    name: formText(body, 'name'),
    company: formText(body, 'company'),
    email: formText(body, 'email'),
    phone: formText(body, 'phone'),
    address: formText(body, 'address'),
    emailUpdates: formChecked(body, 'emailUpdates'),
  };
}

export async function customerRoutes(app: FastifyInstance) {
  const { db } = app;
  const manage = { config: { access: 'customers:manage' } } as const;

  const formPage = (reply: FastifyReply, values: CustomerInput & { version?: number }, errors: FieldErrors, options: { id?: number; statusCode?: number; current?: CustomerInput } = {}) =>
    reply.page('customers/form', { title: options.id ? `Edit ${values.name || 'customer'}` : 'New customer', values, errors, customerId: options.id, current: options.current }, options.statusCode ?? 200);

  app.get('/customers', manage, async (request, reply) => {
    const query = request.query as { q?: string };
    const text = typeof query.q === 'string' ? query.q.trim().slice(0, 100) : '';
    const like = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const customers = await db
      .selectFrom('customers')
      .select(['id', 'name', 'company', 'email', 'phone', 'email_updates as emailUpdates'])
      .$if(text !== '', (q) => q.where((eb) => eb.or([eb(sql`lower(name)`, 'like', like), eb(sql`lower(company)`, 'like', like), eb(sql`lower(email)`, 'like', like)])))
      .orderBy(sql`lower(name)`)
      .limit(200)
      .execute();
    return reply.page('customers/list', { title: 'Customers', customers, text });
  });

  app.get('/customers/new', manage, async (_request, reply) => {
    return formPage(reply, { name: '', company: '', email: '', phone: '', address: '', emailUpdates: true }, {});
  });

  app.post('/customers', manage, async (request, reply) => {
    const values = readCustomer(request.body);
    try {
      const id = await createCustomer(db, { userId: request.user!.id }, values);
      request.session.flash = `${values.name} was added.`;
      return reply.redirect(`/orders/new?customer=${id}`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return formPage(reply, values, error.fieldErrors, { statusCode: 422 });
    }
  });

  app.get('/customers/:id', manage, async (request, reply) => {
    const id = parseId((request.params as { id: string }).id);
    const customer = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
    if (!customer) throw new HttpError(404, 'There is no such customer.');
    return formPage(reply, { ...customer, emailUpdates: customer.email_updates }, {}, { id });
  });

  app.post('/customers/:id', manage, async (request, reply) => {
    const id = parseId((request.params as { id: string }).id);
    const values = { ...readCustomer(request.body), version: Number(formText(request.body, 'version')) };
    try {
      await updateCustomer(db, { userId: request.user!.id }, id, values);
      request.session.flash = `Saved ${values.name}.`;
      return reply.redirect('/customers', 303);
    } catch (error) {
      if (error instanceof ConflictError) {
        const current = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        return formPage(reply, { ...values, version: current.version }, { form: error.message }, { id, statusCode: 409, current: { ...current, emailUpdates: current.email_updates } });
      }
      if (!(error instanceof ValidationError)) throw error;
      return formPage(reply, values, error.fieldErrors, { id, statusCode: 422 });
    }
  });
}
