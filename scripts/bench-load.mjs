// Runs autocannon in a process of its own, so parsing the responses does not take turns with
// the app on the app's event loop. With `items`, each request is a status change of the next
// item in the list (the path and body are built here, as functions cannot be sent to a process).
import autocannon from 'autocannon';

const { items, ...options } = await new Promise((resolve) => process.once('message', resolve));
let next = 0;
const requests = items
  ? [
      {
        method: 'POST',
        setupRequest: (request) => {
          const item = items[next++ % items.length];
          return { ...request, path: `/items/${item.id}/transitions`, body: `version=${item.version}&from=pending&to=in_progress&queue=pending` };
        },
      },
    ]
  : undefined;
const result = await autocannon({ ...options, ...(requests ? { requests } : {}) });
process.send({ requestsPerSecond: result.requests.average, p50: result.latency.p50, p90: result.latency.p90, p97: result.latency.p97_5, p99: result.latency.p99, max: result.latency.max, non2xx: result.non2xx, errors: result.errors });
process.disconnect();
