import { join } from 'node:path';
import type { Config } from '../config.js';
import { createDb, type Db } from './database.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded.js';

export interface OpenDatabase {
  db: Db;
  embedded: boolean;
  /** The embedded cluster's place, for the start-up log. */
  embeddedCluster?: Pick<EmbeddedDatabase, 'clusterDir' | 'privateDir'>;
  close(): Promise<void>;
}

/** DATABASE_URL when set; otherwise a real PostgreSQL embedded under DATA_DIR/postgres. */
export async function openDatabase(config: Config, log: (message: string) => void = () => {}): Promise<OpenDatabase> {
  if (config.databaseUrl !== undefined) {
    const db = createDb(config.databaseUrl, 10, { preparedStatements: config.preparedStatements });
    return { db, embedded: false, close: () => db.destroy() };
  }
  const embedded = await startEmbeddedPostgres({ directory: join(config.dataDir, 'postgres'), database: 'traveler', log });
  const db = createDb(embedded.url);
  return {
    db,
    embedded: true,
    embeddedCluster: { clusterDir: embedded.clusterDir, privateDir: embedded.privateDir },
    close: async () => {
      await db.destroy();
      await embedded.stop();
    },
  };
}
