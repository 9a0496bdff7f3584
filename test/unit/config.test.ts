import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, ensureSessionSecret, loadConfig } from '../../src/config.js';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

t.test('defaults for a developer machine', async (t) => {
  const config = loadConfig({ SHOP_TIMEZONE: 'America/Chicago' });
  t.equal(config.port, 3000);
  t.equal(config.databaseUrl, undefined, 'no DATABASE_URL means the embedded database');
  t.equal(config.baseUrl, 'http://localhost:3000');
  t.equal(config.smtpUrl, undefined, 'no SMTP_URL means mail is captured');
  t.equal(config.shopTimezone, 'America/Chicago');
  t.match(config.dataDir, /\/data$/);
});

t.test('every bad variable gets its own clear message', async (t) => {
  const problems = problemsOf({
    PORT: 'eighty',
    DATABASE_URL: 'mysql://localhost/x',
    BASE_URL: 'traveler.example.com',
    SESSION_SECRET: 'short',
    SMTP_URL: 'http://mail',
    SHOP_TIMEZONE: 'Mars/Olympus',
    LOG_LEVEL: 'loud',
    TRUST_PROXY: 'maybe',
    DATABASE_PREPARED_STATEMENTS: 'sometimes',
  });
  t.equal(problems.length, 9);
  t.match(problems.join('\n'), /PORT must be a whole number from 1 to 65535 \(got "eighty"\)/);
  t.match(problems.join('\n'), /DATABASE_URL must be a PostgreSQL URL/);
  t.match(problems.join('\n'), /BASE_URL must be an http:\/\/ or https:\/\/ address/);
  t.match(problems.join('\n'), /SESSION_SECRET must be at least 32 characters long \(got 5\)/);
  t.match(problems.join('\n'), /SMTP_URL must look like smtp:\/\//);
  t.match(problems.join('\n'), /SHOP_TIMEZONE must be an IANA time zone/);
  t.match(problems.join('\n'), /LOG_LEVEL must be one of/);
  t.match(problems.join('\n'), /TRUST_PROXY must be/);
  t.match(problems.join('\n'), /DATABASE_PREPARED_STATEMENTS must be on or off \(got "sometimes"\)/);
});

t.test('production requires a session secret and a public base URL', async (t) => {
  const problems = problemsOf({ NODE_ENV: 'production' });
  t.equal(problems.length, 2);
  t.match(problems.join('\n'), /BASE_URL is required in production/);
  t.match(problems.join('\n'), /SESSION_SECRET is required in production/);
  t.doesNotThrow(() =>
    loadConfig({ NODE_ENV: 'production', BASE_URL: 'https://traveler.example.com/', SESSION_SECRET: 'x'.repeat(40) }),
  );
  t.equal(loadConfig({ NODE_ENV: 'production', BASE_URL: 'https://traveler.example.com/', SESSION_SECRET: 'x'.repeat(40) }).baseUrl, 'https://traveler.example.com');
});

t.test('out of production a session secret is generated once and kept', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'traveler-config-'));
  const first = ensureSessionSecret(loadConfig({ DATA_DIR: dataDir }));
  const second = ensureSessionSecret(loadConfig({ DATA_DIR: dataDir }));
  t.ok(first.sessionSecret.length >= 32);
  t.equal(second.sessionSecret, first.sessionSecret, 'the same secret after a restart');
  t.equal(readFileSync(join(dataDir, 'session-secret'), 'utf8').trim(), first.sessionSecret);
  t.equal(statSync(join(dataDir, 'session-secret')).mode & 0o777, 0o600, 'readable by the owner only');
  t.equal(ensureSessionSecret(loadConfig({ DATA_DIR: dataDir, SESSION_SECRET: 'y'.repeat(32) })).sessionSecret, 'y'.repeat(32));
});
