import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { NoQuery } from '../platform/schemas.js';

const readinessTimeoutMs = 2000;

export async function operationsRoutes(app: FastifyInstance) {
  const opsConfig = { access: 'public', allowBeforeSetup: true } as const;

  app.get('/healthz', { config: opsConfig, schema: { querystring: NoQuery } }, async (_request, reply) => {
    return reply.header('cache-control', 'no-store').send({ status: 'ok' });
  });

  app.get('/readyz', { config: opsConfig, schema: { querystring: NoQuery } }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    try {
      await Promise.race([
        sql`select 1`.execute(app.db),
        new Promise((_, reject) => setTimeout(() => reject(new Error('database did not answer in time')), readinessTimeoutMs).unref()),
      ]);
      return reply.send({ status: 'ready' });
    } catch (error) {
      request.log.warn({ err: error }, 'readiness check failed');
      return reply.code(503).send({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
}
