import type { FastifyInstance } from 'fastify';
import { HttpError, ValidationError } from '../platform/errors.js';
import { formText } from '../platform/forms.js';
import { addCatalogEntry, listCatalog, setCatalogEntryActive, type CatalogKind } from './catalog.js';

function kindOf(raw: string): CatalogKind {
  if (raw === 'machines' || raw === 'materials') return raw;
  throw new HttpError(404);
}

export async function catalogRoutes(app: FastifyInstance) {
  const manage = { config: { access: 'catalog:manage' } } as const;

  const page = async (errors: Record<string, string> = {}, values: Record<string, string> = {}) => ({
    title: 'Machines and materials',
    machines: await listCatalog(app.db, 'machines'),
    materials: await listCatalog(app.db, 'materials'),
    errors,
    values,
  });

  app.get('/admin/catalog', manage, async (_request, reply) => reply.page('admin/catalog', await page()));

  app.post('/admin/catalog/:kind', manage, async (request, reply) => {
    const kind = kindOf((request.params as { kind: string }).kind);
    const name = formText(request.body, 'name');
    try {
      await addCatalogEntry(app.db, { userId: request.user!.id }, kind, name);
      app.filterChoices.invalidate();
      request.session.flash = `Added “${name}”.`;
      return reply.redirect('/admin/catalog', 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.page('admin/catalog', await page({ [kind]: error.fieldErrors.name ?? error.message }, { [kind]: name }), 422);
    }
  });

  app.post('/admin/catalog/:kind/:id/active', manage, async (request, reply) => {
    const { kind: rawKind, id } = request.params as { kind: string; id: string };
    const kind = kindOf(rawKind);
    if (!/^\d+$/.test(id)) throw new HttpError(404);
    const active = formText(request.body, 'active') === '1';
    await setCatalogEntryActive(app.db, { userId: request.user!.id }, kind, Number(id), active);
    app.filterChoices.invalidate();
    return reply.redirect('/admin/catalog', 303);
  });
}
