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
  /** Where the embedded PostgreSQL keeps its data, when it is used. */
  embeddedClusterDir?: string;
  /** Stops taking work, lets requests in flight finish, then closes the database (and the embedded server). */
  stop(): Promise<void>;
}

function clusterLocation({ clusterDir, privateDir }: { clusterDir: string; privateDir?: string }): string {
  const where = `keeps its data in ${clusterDir}`;
  return privateDir ? `Running as root and ${privateDir} is private: the embedded PostgreSQL ${where}` : `The embedded PostgreSQL ${where}`;
}

export async function startTraveler(config: ReadyConfig, log: Logger, options: { listen?: boolean } = {}): Promise<RunningTraveler> {
  if (!config.databaseUrl) log.info({ dataDir: config.dataDir }, 'DATABASE_URL is not set: starting the embedded PostgreSQL');
  const database = await openDatabase(config, (message) => log.debug({ postgres: message.trim() }));
  if (database.embeddedCluster) log.info({ clusterDir: database.embeddedCluster.clusterDir }, clusterLocation(database.embeddedCluster));
  try {
    await migrateToLatest(database.db);
    const app = await buildApp({ config, db: database.db });
    const cron = startCron(app);
    if (options.listen !== false) await app.listen({ host: config.host, port: config.port });
    return {
      app,
      embeddedDatabase: database.embedded,
      embeddedClusterDir: database.embeddedCluster?.clusterDir,
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
