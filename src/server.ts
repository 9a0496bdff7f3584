import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { ConfigError, ensureSessionSecret, loadConfig } from './config.js';
import { startTraveler } from './lifecycle.js';

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
const traveler = await startTraveler(config, log).catch((error: unknown) => {
  log.fatal({ err: error }, `Traveler could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

closeWithGrace({ delay: 15_000, logger: log }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'shutting down after an error');
  else log.info({ signal }, 'shutting down: finishing requests in flight');
  await traveler.stop();
  log.info('stopped');
});

log.info(
  `Traveler is running at ${config.baseUrl}${traveler.embeddedClusterDir ? ` (embedded PostgreSQL in ${traveler.embeddedClusterDir})` : ''}; mail is ${config.smtpUrl ? 'sent by SMTP' : 'kept in the admin Mailbox'}`,
);
