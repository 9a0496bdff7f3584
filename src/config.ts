import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  databaseUrl: string | undefined;
  host: string;
  port: number;
  baseUrl: string;
  sessionSecret: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  shopTimezone: string;
  dataDir: string;
  logLevel: string;
  /** Fastify's trustProxy: false, true, or the number of proxy hops in front of the app. */
  trustProxy: boolean | number;
  /** Queries go as named prepared statements (off behind a pooler that cannot keep them). */
  preparedStatements: boolean;
}

export type ReadyConfig = Config & { sessionSecret: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const minimumSecretLength = 32;

function isUrlWithProtocol(value: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Validates the environment and reports every bad or missing variable at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const read = (name: string) => blankToUndefined(env[name]);

  const nodeEnvRaw = read('NODE_ENV') ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    problems.push(`NODE_ENV must be one of development, production, test (got "${nodeEnvRaw}").`);
  }
  const nodeEnv = nodeEnvRaw as Config['nodeEnv'];
  const production = nodeEnv === 'production';

  const databaseUrl = read('DATABASE_URL');
  if (databaseUrl !== undefined && !isUrlWithProtocol(databaseUrl, ['postgres:', 'postgresql:'])) {
    problems.push('DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@host:5432/traveler.');
  }

  const portRaw = read('PORT') ?? '3000';
  const port = Number(portRaw);
  if (!/^\d+$/.test(portRaw) || port < 1 || port > 65535) {
    problems.push(`PORT must be a whole number from 1 to 65535 (got "${portRaw}").`);
  }

  const host = read('HOST') ?? '0.0.0.0';

  const baseUrlRaw = read('BASE_URL');
  if (baseUrlRaw === undefined && production) {
    problems.push('BASE_URL is required in production: the public address used in links in emails, e.g. https://traveler.example.com.');
  } else if (baseUrlRaw !== undefined && !isUrlWithProtocol(baseUrlRaw, ['http:', 'https:'])) {
    problems.push(`BASE_URL must be an http:// or https:// address (got "${baseUrlRaw}").`);
  }
  const baseUrl = (baseUrlRaw ?? `http://localhost:${port}`).replace(/\/+$/, '');

  const sessionSecret = read('SESSION_SECRET');
  if (sessionSecret === undefined && production) {
    problems.push(`SESSION_SECRET is required in production: a random string of at least ${minimumSecretLength} characters.`);
  } else if (sessionSecret !== undefined && sessionSecret.length < minimumSecretLength) {
    problems.push(`SESSION_SECRET must be at least ${minimumSecretLength} characters long (got ${sessionSecret.length}).`);
  }

  const smtpUrl = read('SMTP_URL');
  if (smtpUrl !== undefined && !isUrlWithProtocol(smtpUrl, ['smtp:', 'smtps:'])) {
    problems.push('SMTP_URL must look like smtp://user:password@host:587 or smtps://user:password@host:465.');
  }

  const mailFrom = read('MAIL_FROM') ?? 'Traveler <traveler@localhost>';
  if (!/@/.test(mailFrom)) {
    problems.push(`MAIL_FROM must contain an email address, e.g. "Acme Signs <orders@acme.example>" (got "${mailFrom}").`);
  }

  const shopTimezone = read('SHOP_TIMEZONE') ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  if (!isTimeZone(shopTimezone)) {
    problems.push(`SHOP_TIMEZONE must be an IANA time zone such as America/Chicago (got "${shopTimezone}").`);
  }

  const logLevel = read('LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info');
  if (!logLevels.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${logLevels.join(', ')} (got "${logLevel}").`);
  }

  const dataDir = resolve(read('DATA_DIR') ?? 'data');

  const trustProxyRaw = read('TRUST_PROXY') ?? 'false';
  let trustProxy: boolean | number = false;
  if (trustProxyRaw === 'true' || trustProxyRaw === 'false') trustProxy = trustProxyRaw === 'true';
  else if (/^\d+$/.test(trustProxyRaw)) trustProxy = Number(trustProxyRaw);
  else problems.push(`TRUST_PROXY must be true, false or the number of proxies in front of Traveler (got "${trustProxyRaw}").`);

  const preparedRaw = read('DATABASE_PREPARED_STATEMENTS') ?? 'on';
  if (!['on', 'off'].includes(preparedRaw)) problems.push(`DATABASE_PREPARED_STATEMENTS must be on or off (got "${preparedRaw}").`);
  const preparedStatements = preparedRaw !== 'off';

  if (problems.length > 0) throw new ConfigError(problems);
  return { nodeEnv, databaseUrl, host, port, baseUrl, sessionSecret, smtpUrl, mailFrom, shopTimezone, dataDir, logLevel, trustProxy, preparedStatements };
}

/** Outside production a missing secret is generated once and kept in the data directory. */
export function ensureSessionSecret(config: Config): ReadyConfig {
  if (config.sessionSecret !== undefined) return { ...config, sessionSecret: config.sessionSecret };
  const file = join(config.dataDir, 'session-secret');
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= minimumSecretLength) return { ...config, sessionSecret: kept };
  }
  mkdirSync(config.dataDir, { recursive: true });
  const generated = randomBytes(48).toString('base64url');
  writeFileSync(file, `${generated}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { ...config, sessionSecret: generated };
}
