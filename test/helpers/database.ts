import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createDb, type Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrationsDir } from '../../src/paths.js';
import { installModules } from '../../src/modules.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export function testServerUrl(): string {
  const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error('No PostgreSQL for tests: run them with `npm test` (it starts one), or set TEST_DATABASE_URL.');
  return url;
}

export function databaseUrl(name: string): string {
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

function migrationsFingerprint(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(migrationsDir).sort()) hash.update(file).update(readFileSync(join(migrationsDir, file)));
  return hash.digest('hex').slice(0, 12);
}

export async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let templateReady: Promise<string> | undefined;

/** A database migrated once per set of migrations; test databases are cheap copies of it. */
function migratedTemplate(): Promise<string> {
  templateReady ??= withAdminClient(async (client) => {
    const template = `traveler_tpl_${migrationsFingerprint()}`;
    await client.query(`select pg_advisory_lock(hashtext('traveler-test-template'))`);
    try {
      const exists = await client.query('select 1 from pg_database where datname = $1', [template]);
      if (exists.rowCount === 0) {
        const building = `${template}_building`;
        await client.query(`drop database if exists ${building} with (force)`);
        await client.query(`create database ${building}`);
        const db = createDb(databaseUrl(building), 2);
        try {
          await migrateToLatest(db);
        } finally {
          await db.destroy();
        }
        await client.query(`alter database ${building} rename to ${template}`);
      }
      return template;
    } finally {
      await client.query(`select pg_advisory_unlock(hashtext('traveler-test-template'))`);
    }
  });
  return templateReady;
}

export interface TestDatabase {
  db: Db;
  url: string;
  name: string;
}

/** A fresh, fully migrated database; the caller must call drop() when done. */
export async function createTestDatabase(poolSize = 10): Promise<TestDatabase & { drop(): Promise<void> }> {
  installModules();
  const template = await migratedTemplate();
  const name = `traveler_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`create database ${name} template ${template}`));
  const url = databaseUrl(name);
  const db = createDb(url, poolSize);
  return {
    db,
    url,
    name,
    drop: async () => {
      await db.destroy();
      await withAdminClient((client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/** A fresh, fully migrated database of its own, dropped when the test ends. */
export async function freshDatabase(t: Teardown, poolSize = 10): Promise<TestDatabase> {
  const { drop, ...database } = await createTestDatabase(poolSize);
  t.teardown(drop);
  return database;
}

/** An empty database with no migrations applied, dropped when the test ends. */
export async function emptyDatabase(t: Teardown): Promise<{ url: string; name: string }> {
  const name = `traveler_empty_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`create database ${name}`));
  t.teardown(() => withAdminClient((client) => client.query(`drop database if exists ${name} with (force)`)));
  return { url: databaseUrl(name), name };
}
