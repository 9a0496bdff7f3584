import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ValidationError } from '../platform/errors.js';
import { formText } from '../platform/forms.js';
import { Form, Id, NoQuery, Text } from '../platform/schemas.js';
import { addCatalogEntry, capacityForm, catalogEntryForm, listCatalog, machineCapacities, setCatalogEntryActive, setMachineCapacity } from './catalog.js';

const Kind = Type.Union([Type.Literal('machines'), Type.Literal('materials')]);

export async function catalogRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const manage = { access: 'catalog:manage' } as const;

  const page = async (errors: Record<string, string> = {}, values: Record<string, string> = {}) => ({
    title: 'Machines and materials',
    machines: await listCatalog(app.db, 'machines'),
    capacities: await machineCapacities(app.db),
    materials: await listCatalog(app.db, 'materials'),
    errors,
    values,
    nameLimit: catalogEntryForm.fields.name.max,
  });

  app.get('/admin/catalog', { config: manage, schema: { querystring: NoQuery } }, async (_request, reply) => reply.page('admin/catalog', await page()));

  app.post('/admin/catalog/:kind', { config: manage, schema: { params: Type.Object({ kind: Kind }), querystring: NoQuery, body: catalogEntryForm.schema() } }, async (request, reply) => {
    const { kind } = request.params;
    const { name } = catalogEntryForm.read(request.body);
    try {
      await addCatalogEntry(app.db, { userId: request.user!.id }, kind, name);
      app.filterChoices.invalidate();
      request.session.flash = `Added “${name}”.`;
      return reply.seeOther('/admin/catalog');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.page('admin/catalog', await page({ [kind]: error.fieldErrors.name ?? error.message }, { [kind]: name }), 422);
    }
  });

  app.post('/admin/catalog/machines/:id/capacity', { config: manage, schema: { params: Type.Object({ id: Id }), querystring: NoQuery, body: capacityForm.schema() } }, async (request, reply) => {
    const id = Number(request.params.id);
    const { hours } = capacityForm.read(request.body);
    try {
      await setMachineCapacity(app.db, { userId: request.user!.id }, id, hours);
      request.session.flash = `Capacity saved: ${hours.trim()} h a working day.`;
      return reply.seeOther('/admin/catalog');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.page('admin/catalog', await page({ [`capacity-${id}`]: error.fieldErrors.hours! }, { [`capacity-${id}`]: hours }), 422);
    }
  });

  app.post(
    '/admin/catalog/:kind/:id/active',
    { config: manage, schema: { params: Type.Object({ kind: Kind, id: Id }), querystring: NoQuery, body: Form({ active: Text(10) }) } },
    async (request, reply) => {
      const { kind, id } = request.params;
      const active = formText(request.body, 'active') === '1';
      await setCatalogEntryActive(app.db, { userId: request.user!.id }, kind, Number(id), active);
      app.filterChoices.invalidate();
      return reply.seeOther('/admin/catalog');
    },
  );
}
