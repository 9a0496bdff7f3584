import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { setupForm } from '../accounts/forms.js';
import { signIn } from '../accounts/routes.js';
import { noteSignIn, setupFirstAdmin } from '../accounts/users.js';
import { demoPassword, demoPin, seedDemoShop } from '../demo/seed.js';
import { anyUserExists } from '../platform/auth.js';
import { ValidationError } from '../platform/errors.js';
import { NoQuery } from '../platform/schemas.js';

/** First run: the shop's name and its first admin, optionally a shop full of demo data. */
export async function setupRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  app.get('/setup', { config: { access: 'public', allowBeforeSetup: true }, schema: { querystring: NoQuery } }, async (_request, reply) => {
    if (await anyUserExists(db)) return reply.seeOther('/login');
    return reply.page('setup/setup', { title: 'Set up Traveler', setupForm, values: setupForm.blank(), errors: {} });
  });

  app.post('/setup', { config: { access: 'public', allowBeforeSetup: true }, schema: { querystring: NoQuery, body: setupForm.schema() } }, async (request, reply) => {
    const values = setupForm.read(request.body);
    try {
      const userId = await setupFirstAdmin(db, values);
      await app.refreshShopName();
      await signIn(request, userId);
      await noteSignIn(db, userId, 'first-run setup');
      request.session.flash = `Welcome to Traveler, ${values.name}. Your shop is ready.`;
      if (values.demo) {
        const demo = await seedDemoShop(db, { timeZone: app.config.shopTimezone });
        request.session.flash = `Welcome to Traveler, ${values.name}. Your shop is filled with demo data: ${demo.orders} orders, ${demo.items} line items, ${demo.customers} customers and ${demo.users} demo colleagues (password “${demoPassword}”; kiosk PIN ${demoPin}).`;
      }
      return reply.seeOther('/');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return reply.page('setup/setup', { title: 'Set up Traveler', setupForm, values: { ...values, password: '' }, errors: error.fieldErrors }, 422);
    }
  });
}
