import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import type { ReadyConfig } from './config.js';
import { startCron } from './cron.js';
import { migrateToLatest } from './db/migrate.js';
import { openDatabase } from './db/open.js';

export interface RunningTraveler {
  app: FastifyInstance;
  embeddedDatabase: boolean;
  /** Stops taking work, lets requests in flight finish, then closes the database (and the embedded server). */
  stop(): Promise<void>;
}

export async function startTraveler(config: ReadyConfig, log: Logger, options: { listen?: boolean } = {}): Promise<RunningTraveler> {
  if (!config.databaseUrl) log.info({ dataDir: config.dataDir }, 'DATABASE_URL is not set: starting the embedded PostgreSQL');
  const database = await openDatabase(config, (message) => log.debug({ postgres: message.trim() }));
  try {
    await migrateToLatest(database.db);
    const app = await buildApp({ config, db: database.db });
    const cron = startCron(app);
    if (options.listen !== false) await app.listen({ host: config.host, port: config.port });
    return {
      app,
      embeddedDatabase: database.embedded,
      stop: async () => {
        await cron.stop();
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
