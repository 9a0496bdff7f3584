import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { buildApp } from './app.js';
import { ConfigError, ensureSessionSecret, loadConfig } from './config.js';
import { startCron } from './cron.js';
import { migrateToLatest } from './db/migrate.js';
import { openDatabase } from './db/open.js';

function loadConfigOrExit() {
  try {
    return ensureSessionSecret(loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Traveler cannot start. ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

const config = loadConfigOrExit();
const log = pino({ level: config.logLevel });
if (!config.databaseUrl) log.info({ dataDir: config.dataDir }, 'DATABASE_URL is not set: starting the embedded PostgreSQL');
const database = await openDatabase(config, (message) => log.debug({ postgres: message.trim() }));
await migrateToLatest(database.db);

const app = await buildApp({ config, db: database.db });
const cron = startCron(app);

closeWithGrace({ delay: 15_000, logger: log }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'shutting down after an error');
  else log.info({ signal }, 'shutting down: finishing requests in flight');
  await cron.stop();
  await app.close();
  await database.close();
  log.info('stopped');
});

await app.listen({ host: config.host, port: config.port });
app.log.info(
  `Traveler is running at ${config.baseUrl}${database.embedded ? ` (embedded PostgreSQL under ${config.dataDir})` : ''}; mail is ${config.smtpUrl ? 'sent by SMTP' : 'kept in the admin Mailbox'}`,
);
