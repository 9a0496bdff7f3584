import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ConflictError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formText } from '../platform/forms.js';
import { IdParams, NoQuery, Text, Version } from '../platform/schemas.js';
import { addCarrier, carrierForm, listCarriers, updateCarrier, type Carrier, type CarrierValues } from './carriers.js';

const AddForm = carrierForm.schema();
const EditForm = carrierForm.schema({ version: Version, active: Text(10) });

/** The form the person was filling in when it was refused: the new carrier's, or one row's. */
interface Shown {
  formId: string;
  values: CarrierValues & { active?: boolean };
  errors: FieldErrors;
  /** The version the person's form was opened on: kept, so a fix after a refusal still meets a conflict. */
  version?: number;
  /** On a conflict: the carrier as someone else saved it. */
  current?: Carrier;
}

export async function carrierRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const manage = { access: 'settings:manage' } as const;
  const page = async (shown?: Shown) => ({ title: 'Carriers', carriers: await listCarriers(app.db), spec: carrierForm, shown });

  app.get('/admin/carriers', { config: manage, schema: { querystring: NoQuery } }, async (_request, reply) => reply.page('admin/carriers', await page()));

  app.post('/admin/carriers', { config: manage, schema: { querystring: NoQuery, body: AddForm } }, async (request, reply) => {
    const values = carrierForm.read(request.body);
    try {
      await addCarrier(app.db, { userId: request.user!.id }, values);
      request.session.flash = `Added ${values.name.trim()}.`;
      return reply.seeOther('/admin/carriers');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.page('admin/carriers', await page({ formId: 'new', values, errors: error.fieldErrors }), 422);
    }
  });

  app.post('/admin/carriers/:id', { config: manage, schema: { params: IdParams, querystring: NoQuery, body: EditForm } }, async (request, reply) => {
    const id = Number(request.params.id);
    const version = Number(request.body.version);
    const values = { ...carrierForm.read(request.body), active: formText(request.body, 'active') === '1' };
    try {
      await updateCarrier(app.db, { userId: request.user!.id }, id, version, values);
      request.session.flash = `Saved ${values.name.trim()}.`;
      return reply.seeOther('/admin/carriers');
    } catch (error) {
      if (error instanceof ValidationError) return reply.page('admin/carriers', await page({ formId: String(id), values, errors: error.fieldErrors, version }), 422);
      if (error instanceof ConflictError) {
        const current = (await listCarriers(app.db)).find((carrier) => carrier.id === id);
        return reply.page('admin/carriers', await page({ formId: String(id), values, errors: { form: error.message }, version: current?.version, current }), 409);
      }
      throw error;
    }
  });
}
