import { loadConfig } from './config.js';
import { migrateToLatest } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import { installModules } from './modules.js';
import { demoPassword, demoPin, seedDemoShop } from './demo/seed.js';

const config = loadConfig();
const database = await openDatabase(config);
try {
  await migrateToLatest(database.db);
  const started = Date.now();
  installModules();
  const summary = await seedDemoShop(database.db, { timeZone: config.shopTimezone });
  await database.db.updateTable('shop_settings').set({ shop_name: 'Northside Signs (demo)' }).where('shop_name', '=', 'Our shop').execute();
  console.log(
    `Demo shop ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${summary.users} people, ${summary.customers} customers, ${summary.orders} orders, ${summary.items} line items.\n` +
      `Sign in as dana@demo.traveler (admin), marco@demo.traveler (sales), tom@demo.traveler (production), sofia@demo.traveler (fulfillment), ruth@demo.traveler (accounting) or andre@demo.traveler (production and QA); password "${demoPassword}".\n` +
      `New orders need accounting and QA approval in the demo (Admin → Settings); a few are waiting at each step under Orders.\n` +
      `Kiosks "Router bay" and "Print room" are ready to enrol (Admin → Kiosks); Tom, Lena and Andre sign in there with PIN ${demoPin}.`,
  );
} catch (error) {
  console.error(`Could not create the demo shop: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await database.close();
}
