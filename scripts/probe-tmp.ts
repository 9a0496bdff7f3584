import { buildApp } from '../src/app.js';
import { createDb } from '../src/db/database.js';
const db = createDb('postgres://postgres@127.0.0.1:5432/traveler_bench', 20);
const app = await buildApp({ config: { nodeEnv: 'production', databaseUrl: 'x', host: '127.0.0.1', port: 3300, baseUrl: 'http://x', sessionSecret: 'x'.repeat(40), smtpUrl: undefined, mailFrom: 'a@b.c', shopTimezone: 'UTC', dataDir: '/x', logLevel: 'warn', trustProxy: false }, db });
await app.listen({ port: 3300, host: '127.0.0.1' });
process.on('SIGINT', async () => { await app.close(); await db.destroy(); process.exit(0); });
