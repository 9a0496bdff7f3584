import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from '../platform/errors.js';
import { documentShowsMoney, scopeOf, seesMoney, visible, type RecordScope } from './scope.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Whose records this request may see (src/visibility): null, everyone's. */
    scope: RecordScope;
  }
}

type Check = keyof typeof visible | 'none';

/**
 * The record each route with an id is about, by the route's own pattern: every such route is
 * checked here, once, before its handler runs (test/routes/visibility.test.ts walks the route
 * table to see that none is missed). Admin pages, kiosks and links by token have checks of their own.
 */
export const recordRoutes: { pattern: RegExp; param: string; check: Check }[] = [
  { pattern: /^\/orders\/:id(\/|$)/, param: 'id', check: 'order' },
  { pattern: /^\/items\/:id(\/|$)/, param: 'id', check: 'item' },
  { pattern: /^\/planning\/items\/:id$/, param: 'id', check: 'item' },
  { pattern: /^\/customers\/:id$/, param: 'id', check: 'customer' },
  { pattern: /^\/documents\/:id\//, param: 'id', check: 'document' },
  { pattern: /^\/photos\/:id(\/|$)/, param: 'id', check: 'photo' },
  { pattern: /^\/batches\/:id(\/|$)/, param: 'id', check: 'batch' },
  // A machine's plan and an alert are not a customer's record.
  { pattern: /^\/planning\/machines\/:machine$/, param: 'machine', check: 'none' },
  { pattern: /^\/alerts\/:id\/answer$/, param: 'id', check: 'none' },
];

/**
 * Pages that show (or gather) every customer's records at once, which a salesperson kept to their
 * own does not get: reports, monitoring, and batches, which mix customers' items by design.
 */
const everyCustomer = [/^\/reports(\/|$)/, /^\/monitoring(\/|$)/, /^\/batches(\/|$)/];

async function salesSeeAll(request: FastifyRequest): Promise<boolean> {
  const row = await request.server.db.selectFrom('shop_settings').select('sales_see_all_customers').where('id', '=', true).executeTakeFirst();
  return row?.sales_see_all_customers ?? true;
}

export const visibilityHook = fp(async function visibility(app: FastifyInstance) {
  app.decorateRequest('scope', null);

  app.addHook('preHandler', async (request) => {
    const user = request.user;
    const url = request.routeOptions.url ?? '';
    if (!user) return;
    const params = (request.params ?? {}) as Record<string, string>;
    if (url.startsWith('/documents/:id/') && !seesMoney(user.roles) && (await documentShowsMoney(app.db, Number(params.id)))) {
      throw new HttpError(404, 'There is no such document.');
    }
    // Only a salesperson can be kept to their own customers: nobody else pays for the lookup.
    if (!user.roles.includes('sales')) return;
    const scope = scopeOf(user, await salesSeeAll(request));
    request.scope = scope;
    if (!scope) return;
    if (everyCustomer.some((pattern) => pattern.test(url))) throw new HttpError(403, 'This page covers every customer’s orders; you see your own customers’. Ask an admin if you need it.');
    const route = recordRoutes.find((entry) => entry.pattern.test(url));
    if (!route || route.check === 'none') return;
    if (!(await visible[route.check](app.db, scope, Number(params[route.param])))) throw new HttpError(404);
  });
});
