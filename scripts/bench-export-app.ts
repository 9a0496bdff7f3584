/**
 * The app alone in a process of its own, for the export lines of `npm run bench`: its resident
 * memory is sampled every 20 ms, so the bench can say how much a million-row export needed.
 * Reports of any size are streamed (the background threshold is lifted), as a background
 * export streams them too) until 'background' puts the threshold back. Messages: 'reset' starts
 * a new peak, 'peak' answers with it.
 */
import { buildApp } from '../src/app.js';
import type { ReadyConfig } from '../src/config.js';
import { createDb } from '../src/db/database.js';

const config = JSON.parse(process.env.BENCH_APP_CONFIG!) as ReadyConfig;
const db = createDb(config.databaseUrl!, 10);
const app = await buildApp({ config, db });
app.reportExports.threshold = Number.POSITIVE_INFINITY;
await app.listen({ host: '127.0.0.1', port: config.port });

let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
process.on('message', (message) => {
  if (message === 'reset') {
    peak = process.memoryUsage().rss;
    process.send!({ peak });
  } else if (message === 'peak') {
    process.send!({ peak: Math.max(peak, process.memoryUsage().rss) });
  } else if (message === 'background') {
    app.reportExports.threshold = 50_000;
    process.send!({ threshold: app.reportExports.threshold });
  } else if (message === 'stop') {
    clearInterval(sampler);
    void app.close().then(() => db.destroy()).then(() => process.exit(0));
  }
});
process.send!({ ready: true });
