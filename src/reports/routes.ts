import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { lineItemWorkflow } from '../line-items/subject.js';
import { HttpError } from '../platform/errors.js';
import * as fmt from '../platform/format.js';
import { Id, Query, Text } from '../platform/schemas.js';
import { parseQueueFilter, queueFilterFields } from '../production/queue-query.js';
import { detailedCsv, type ReportScope } from './detailed.js';

const DetailedQuery = Query({ batch: Id, queue: Text(40), ...queueFilterFields });

export async function reportRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app;

  // The detailed report: every item of a batch, or every item a queue's filter shows, streamed.
  app.get('/reports/items.csv', { config: { access: 'orders:view' }, schema: { querystring: DetailedQuery } }, async (request, reply) => {
    const { query } = request;
    let scope: ReportScope;
    let name: string;
    if (query.batch) {
      const batch = await db.selectFrom('batches').select(['id', 'name']).where('id', '=', Number(query.batch)).executeTakeFirst();
      if (!batch) throw new HttpError(404, 'There is no such batch.');
      scope = { batchId: batch.id };
      name = `batch-${batch.id}`;
    } else if (query.queue) {
      const workflow = await app.workflows.get(lineItemWorkflow);
      const queue = workflow.queues.find((candidate) => candidate.key === query.queue);
      if (!queue) throw new HttpError(404, 'There is no such queue.');
      const { filter, errors } = parseQueueFilter(query);
      if (Object.keys(errors).length > 0) throw new HttpError(400, `The queue filter in that link cannot be used: ${Object.values(errors).join(' ')}`);
      scope = { statuses: queue.statuses, filter, today: fmt.today() };
      name = `queue-${queue.key}`;
    } else {
      throw new HttpError(400, 'Say which items: a batch or a queue.');
    }
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="traveler-${name}-${fmt.today()}.csv"`)
      .header('cache-control', 'no-store')
      .send(detailedCsv(db, scope));
  });
}
