import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createDb } from '../../src/db/database.js';
import { migrationsDir, projectRoot } from '../../src/paths.js';
import { emptyDatabase } from '../helpers/database.js';

function migrate(databaseUrl: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/db/migrate-cli.ts')], {
    env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'development' },
    encoding: 'utf8',
  });
}

t.test('npm run migrate applies every migration once, in order', async (t) => {
  const { url } = await emptyDatabase(t);
  const migrationCount = readdirSync(migrationsDir).filter((file) => file.endsWith('.sql')).length;

  const first = migrate(url);
  t.equal(first.status, 0, first.stderr);
  t.match(first.stdout, new RegExp(`Applied ${migrationCount} migration\\(s\\)`));
  t.match(first.stdout, /20261122090000_create_roles_and_users/);

  const second = migrate(url);
  t.equal(second.status, 0);
  t.match(second.stdout, /Database is up to date\./);

  const db = createDb(url, 1);
  t.teardown(() => db.destroy());
  const applied = await db.selectFrom('kysely_migration' as never).select('name' as never).execute();
  t.equal(applied.length, migrationCount);
  const tables = ['users', 'roles', 'user_roles', 'sessions', 'shop_settings', 'events', 'outbox', 'access_tokens'];
  for (const table of tables) {
    const found = await db.selectFrom('information_schema.tables' as never).select('table_name' as never).where('table_name' as never, '=', table as never).execute();
    t.equal(found.length, 1, `table ${table} exists`);
  }
  const settings = await db.selectFrom('shop_settings').selectAll().execute();
  t.equal(settings.length, 1, 'one row of shop settings to start from');
});
