import { loadConfig } from '../config.js';
import { migrateToLatest } from './migrate.js';
import { openDatabase } from './open.js';

const config = loadConfig();
const database = await openDatabase(config);
try {
  const { results = [] } = await migrateToLatest(database.db);
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  console.log(applied.length ? `Applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}` : 'Database is up to date.');
} finally {
  await database.close();
}
