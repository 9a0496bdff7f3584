import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { hashSecret } from '../accounts/passwords.js';
import { addCatalogEntry } from '../catalog/catalog.js';
import { createCustomer } from '../customers/customers.js';
import { createOrder, type ItemInput } from '../orders/orders.js';
import { reviewOrder, submitOrder } from '../orders/approval.js';
import { issueInvoice } from '../invoices/invoices.js';
import { recordPayment } from '../payments/payments.js';
import * as fmt from '../platform/format.js';
import type { Role } from '../platform/permissions.js';
import { transition } from '../workflow/engine.js';
import { addStep, createTemplate, type StepValues } from '../checklists/templates.js';
import { recordCheck } from '../checklists/item-checklist.js';
import { planItem } from '../planning/plan.js';
import { archiveCompletedOrders } from '../orders/archive.js';
import { addDays } from '../monitoring/working-calendar.js';
import { batchItems } from '../batches/batches.js';
import { addStatus, addTransition, blankStatusInput, readWorkflow } from '../workflow-editor/editor.js';
import type { Actor } from '../events/record.js';
import { BusinessClock } from '../monitoring/business-time.js';
import { refreshDurationStats } from '../monitoring/durations.js';
import { getStoredCalendar, shopCalendarOf, updateShopCalendar } from '../settings/calendar.js';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

export const demoPassword = 'traveler-demo';
/** Everyone in production can sign in at the demo kiosks with this PIN. */
export const demoPin = '2580';

const people: { name: string; email: string; roles: Role[] }[] = [
  { name: 'Dana Whitfield', email: 'dana@demo.traveler', roles: ['admin'] },
  { name: 'Marco Reyes', email: 'marco@demo.traveler', roles: ['sales'] },
  { name: 'Priya Natarajan', email: 'priya@demo.traveler', roles: ['sales'] },
  { name: 'Tom Becker', email: 'tom@demo.traveler', roles: ['production'] },
  { name: 'Lena Kowalski', email: 'lena@demo.traveler', roles: ['production'] },
  { name: 'Andre Okafor', email: 'andre@demo.traveler', roles: ['production', 'qa'] },
  { name: 'Sofia Lindqvist', email: 'sofia@demo.traveler', roles: ['fulfillment'] },
  { name: 'Jake Morrison', email: 'jake@demo.traveler', roles: ['installer'] },
  { name: 'Ruth Abernathy', email: 'ruth@demo.traveler', roles: ['accounting'] },
  { name: 'Kenji Sato', email: 'kenji@demo.traveler', roles: ['service'] },
];

const companies = [
  'Harbor Dental', 'Blue Fern Cafe', 'Summit Realty', 'Oak & Iron Fitness', 'Riverside Library', 'Northgate Auto',
  'Maple Street Bakery', 'Lakeside Vet Clinic', 'Cedar Ridge Church', 'Pioneer Credit Union', 'Golden Spoon Diner',
  'Evergreen Landscaping', 'Brightside Pediatrics', 'Copperline Brewing', 'Westfield Middle School', 'Harmony Yoga',
  'Ironclad Storage', 'Sunset Motel', 'Redwood Law Group', 'Parkview Apartments', 'Tidewater Marina', 'Foxglove Florist',
  'Granite State Insurance', 'Hilltop Hardware', 'Silver Lining Salon', 'Kestrel Aviation', 'Juniper Dental Lab',
  'Rolling Hills Winery', 'Beacon Pharmacy', 'Stonebridge Dentistry',
];
const firstNames = ['Alex', 'Jordan', 'Taylor', 'Morgan', 'Casey', 'Riley', 'Jamie', 'Avery', 'Quinn', 'Parker'];
const lastNames = ['Nguyen', 'Patel', 'Garcia', 'Smith', 'Johnson', 'Kim', 'Brown', 'Lopez', 'Miller', 'Davis'];

const products: { description: string; machine: string; material: string; price: number }[] = [
  { description: 'Dimensional acrylic lobby sign', machine: 'CNC router', material: 'Acrylic', price: 1450 },
  { description: 'Aluminum composite storefront panel', machine: 'CNC router', material: 'Aluminum', price: 980 },
  { description: 'Vinyl window lettering', machine: 'Vinyl cutter', material: 'Vinyl', price: 240 },
  { description: 'Coroplast yard signs (pack)', machine: 'Large-format printer', material: 'Coroplast', price: 180 },
  { description: 'Full-color vinyl banner 3×8 ft', machine: 'Large-format printer', material: 'Vinyl', price: 210 },
  { description: 'Engraved acrylic door plaques', machine: 'Laser engraver', material: 'Acrylic', price: 95 },
  { description: 'PVC directional signs', machine: 'CNC router', material: 'PVC', price: 160 },
  { description: 'Vehicle door decals (pair)', machine: 'Vinyl cutter', material: 'Vinyl', price: 150 },
  { description: 'ADA room signs with braille', machine: 'Laser engraver', material: 'Acrylic', price: 65 },
  { description: 'Aluminum parking signs', machine: 'Large-format printer', material: 'Aluminum', price: 85 },
  { description: 'PVC menu board', machine: 'Large-format printer', material: 'PVC', price: 320 },
  { description: 'Routed aluminum channel letters', machine: 'CNC router', material: 'Aluminum', price: 2600 },
];
const methods = ['pickup', 'installation', 'delivery', 'shipping'] as const;

/** A deterministic pseudo-random sequence, so every demo shop looks the same. */
function randomSequence(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function isoDate(daysFromToday: number): string {
  return new Date(Date.now() + daysFromToday * 86_400_000).toISOString().slice(0, 10);
}

export interface DemoSummary {
  users: number;
  customers: number;
  orders: number;
  items: number;
}

/**
 * Fills an empty shop with a believable sign shop: machines, materials, ten people, thirty
 * customers and 200 orders whose items have moved through the real transition function.
 */
export async function seedDemoShop(db: Db, options: { orders?: number; timeZone?: string } = {}): Promise<DemoSummary> {
  const existing = await db.selectFrom('orders').select('id').limit(1).executeTakeFirst();
  if (existing) throw new Error('This shop already has orders; demo data goes only into an empty shop.');
  const random = randomSequence(42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

  const passwordHash = await hashSecret(demoPassword);
  const userIds = new Map<string, { id: number; roles: Role[] }>();
  for (const person of people) {
    const found = await db.selectFrom('users').select('id').where(sql<string>`lower(email)`, '=', person.email).executeTakeFirst();
    const id =
      found?.id ??
      (await db.insertInto('users').values({ name: person.name, email: person.email, password_hash: passwordHash, updated_at: new Date() }).returning('id').executeTakeFirstOrThrow()).id;
    if (!found) await db.insertInto('user_roles').values(person.roles.map((role) => ({ user_id: id, role }))).execute();
    userIds.set(person.email, { id, roles: person.roles });
  }
  const admin = userIds.get('dana@demo.traveler')!;
  const actor = { userId: admin.id, via: 'demo data' };
  const salespeople = [...userIds.values()].filter((u) => u.roles.includes('sales'));
  const builders = [...userIds.values()].filter((u) => u.roles.includes('production'));
  const installer = userIds.get('jake@demo.traveler')!;

  const machineIds = new Map<string, number>();
  for (const name of ['CNC router', 'Large-format printer', 'Laser engraver', 'Vinyl cutter']) {
    const found = await db.selectFrom('machines').select('id').where(sql<string>`lower(name)`, '=', name.toLowerCase()).executeTakeFirst();
    machineIds.set(name, found?.id ?? (await addCatalogEntry(db, actor, 'machines', name)));
  }
  const materialIds = new Map<string, number>();
  for (const name of ['Acrylic', 'Aluminum', 'Vinyl', 'Coroplast', 'PVC']) {
    const found = await db.selectFrom('materials').select('id').where(sql<string>`lower(name)`, '=', name.toLowerCase()).executeTakeFirst();
    materialIds.set(name, found?.id ?? (await addCatalogEntry(db, actor, 'materials', name)));
  }

  const pinHash = await hashSecret(demoPin);
  await db.updateTable('users').set({ pin_hash: pinHash }).where('id', 'in', builders.map((b) => b.id)).execute();
  for (const [name, machines] of [['Router bay', ['CNC router', 'Laser engraver']], ['Print room', ['Large-format printer', 'Vinyl cutter']]] as const) {
    const found = await db.selectFrom('kiosks').select('id').where(sql<string>`lower(name)`, '=', name.toLowerCase()).executeTakeFirst();
    if (!found) {
      await db
        .insertInto('kiosks')
        .values({ name, queue_keys: ['pending', 'wip'], machine_ids: machines.map((m) => machineIds.get(m)!), updated_at: new Date() })
        .execute();
    }
  }

  const customerIds: number[] = [];
  for (const [index, company] of companies.entries()) {
    const contact = `${firstNames[index % firstNames.length]} ${lastNames[(index * 7) % lastNames.length]}`;
    customerIds.push(
      await createCustomer(db, actor, {
        name: contact,
        company,
        email: `${contact.toLowerCase().replace(/\s+/g, '.')}@${company.toLowerCase().replace(/[^a-z]+/g, '')}.example`,
        phone: `555-01${String(index).padStart(2, '0')}`,
        address: `${100 + index * 7} Commerce Way`,
        emailUpdates: index % 5 !== 0,
        salespersonId: String(salespeople[index % salespeople.length]!.id),
      }),
    );
  }

  await db
    .updateTable('shop_settings')
    .set({ tax_rate: '8.25', tax_label: 'Sales tax', payment_terms: 'Net 30: payment is due within 30 days of the invoice date. Deposits are not refunded once production has started.' })
    .execute();
  const orderCount = options.orders ?? 200;
  const timeZone = options.timeZone ?? 'UTC';
  // The demo shop keeps office hours: orders come in and items move while it is open.
  const shopClock = new BusinessClock({ timeZone, workDays: [1, 2, 3, 4, 5], dayStartMinute: 480, dayEndMinute: 1020, holidays: new Set(demoHolidays(new Date().getUTCFullYear()).map((line) => line.slice(0, 10))) });
  await demoQualityHold(db, actor);
  let items = 0;
  for (let n = 0; n < orderCount; n++) {
    const itemCount = 1 + Math.floor(random() * 4);
    // The first order came in about five weeks ago, the last one today; each is due one to five
    // weeks after it came in, so the older ones are overdue unless they are done.
    const placedAt = Math.min(Date.now() - 60_000, shopClock.add(Date.now() - ((orderCount - n) / orderCount) * 35 * dayMs, 60_000).getTime());
    const orderDue = Math.round((placedAt - Date.now()) / dayMs) + 7 + Math.floor(random() * 28);
    const lines: ItemInput[] = Array.from({ length: itemCount }, () => {
      const product = pick(products);
      const method = pick(methods);
      return {
        description: product.description,
        quantity: String(1 + Math.floor(random() * 6)),
        unitPrice: String(product.price),
        machineId: String(machineIds.get(product.machine)),
        materialId: String(materialIds.get(product.material)),
        fulfillmentMethod: method,
        dueDate: isoDate(orderDue + Math.floor(random() * 5)),
        assigneeId: method === 'installation' && random() < 0.6 ? String(installer.id) : random() < 0.6 ? String(pick(builders).id) : '',
        expectedHours: random() < 0.7 ? String(0.5 * (1 + Math.floor(random() * 8))) : '',
        notes: '',
      };
    });
    const salesperson = pick(salespeople);
    const order = await createOrder(db, { userId: salesperson.id, via: 'demo data' }, {
      customerId: String(pick(customerIds)),
      salespersonId: String(salesperson.id),
      dueDate: isoDate(orderDue + 4),
      notes: '',
      items: lines,
    });
    items += itemCount;
    // Older orders are further along: each item independently goes some way down the line.
    const progress = Math.min(1, (orderCount - n) / orderCount + 0.15);
    // Each move happens some working hours after the one before, so time in status, lateness
    // and forecasts from history have something real to show.
    await sql`update line_items set created_at = ${new Date(placedAt)}, status_entered_at = ${new Date(placedAt)} where order_id = ${order.id}`.execute(db);
    await sql`update orders set created_at = ${new Date(placedAt)} where id = ${order.id}`.execute(db);
    await sql`update events set occurred_at = ${new Date(placedAt)} where subject_type = 'order' and subject_id = ${order.id}`.execute(db);
    const rows = await db.selectFrom('line_items').select(['id', 'fulfillment_method']).where('order_id', '=', order.id).orderBy('position').execute();
    for (const row of rows) {
      const builder = pick(builders);
      const act = { userId: builder.id, roles: builder.roles, via: 'demo data' };
      let version = 1;
      let movedAt = placedAt;
      const step = async (toStatus: string, extra: Record<string, string> = {}) => {
        const outcome = await transition(db, { type: 'line_item', id: row.id }, act, { expectedVersion: version, to: toStatus, input: extra });
        version = outcome.version;
        movedAt = Math.min(Date.now() - 60_000, shopClock.add(movedAt, (1 + random() * 20) * hourMs).getTime());
        const at = new Date(movedAt);
        await sql`update events set occurred_at = ${at} where id = (select max(id) from events where subject_type = 'line_item' and subject_id = ${row.id})`.execute(db);
        await sql`update line_items set status_entered_at = ${at} where id = ${row.id}`.execute(db);
      };
      const roll = random();
      if (roll < 0.04) {
        await step('on_hold', { reason: pick(['Waiting for artwork approval', 'Material back-ordered', 'Customer asked to pause']) });
        continue;
      }
      if (roll > progress) continue;
      await step('in_progress');
      if (roll < 0.055) {
        await step('quality_hold', { reason: pick(['Scratched face on the acrylic', 'Colours do not match the proof', 'Letters cut out of square']) });
        continue;
      }
      if (roll > progress * 0.7) continue;
      await step(`awaiting_${row.fulfillment_method}`, { fulfillmentMethod: row.fulfillment_method });
      if (roll > progress * 0.45) continue;
      const done = { pickup: 'picked_up', installation: 'installed', delivery: 'delivered', shipping: 'shipped' }[row.fulfillment_method];
      await step(done, row.fulfillment_method === 'shipping' ? { carrier: 'UPS', tracking: `1Z999AA1${String(row.id).padStart(10, '0')}` } : {});
    }
  }
  await demoMonitoring(db, actor, options.timeZone ?? 'UTC', machineIds);
  await demoChecklists(db, actor, userIds.get('tom@demo.traveler')!, machineIds);
  await demoPlanning(db, actor, options.timeZone ?? 'UTC');
  const waitingForApproval = await demoApprovals(db, userIds, customerIds, pick);
  await demoPayments(db, { userId: userIds.get('ruth@demo.traveler')!.id, via: 'demo data' });
  await demoArchive(db);
  // The demo's history is not news: nobody should find 300 "new" emails and alerts waiting.
  await db.deleteFrom('customer_updates').execute();
  await db.deleteFrom('outbox').where('template', '=', 'sales-alert').execute();
  await db.updateTable('alerts').set({ read_at: sql<Date>`now()` }).execute();
  return { users: people.length, customers: customerIds.length, orders: orderCount + waitingForApproval.orders, items: items + waitingForApproval.items };
}

/**
 * The shop turns on approval by accounting and QA for new orders: a few recent orders show each
 * step (a draft, one copied from a previous order, one waiting for both reviews, one QA has
 * approved, one sent back with a reason, one approved and planned).
 */
async function demoApprovals(db: Db, userIds: Map<string, { id: number; roles: Role[] }>, customerIds: number[], pick: <T>(list: readonly T[]) => T): Promise<{ orders: number; items: number }> {
  await db.updateTable('shop_settings').set({ order_approval: 'parallel', version: sql<number>`version + 1` }).execute();
  const person = (email: string) => {
    const user = userIds.get(email)!;
    return { userId: user.id, roles: user.roles, via: 'demo data' };
  };
  const [marco, ruth, andre] = [person('marco@demo.traveler'), person('ruth@demo.traveler'), person('andre@demo.traveler')];
  const due = isoDate(21);
  let orders = 0;
  let items = 0;
  const place = async (lines: [string, number, number][], copiedFromId?: number) => {
    orders += 1;
    items += lines.length;
    return createOrder(db, marco, {
      customerId: String(pick(customerIds)),
      salespersonId: String(marco.userId),
      dueDate: due,
      notes: copiedFromId ? 'Repeat of last season’s order.' : '',
      copiedFromId,
      items: lines.map(([description, quantity, price]) => ({ description, quantity: String(quantity), unitPrice: String(price), machineId: '', materialId: '', fulfillmentMethod: 'pickup', dueDate: due, assigneeId: '', expectedHours: '', notes: '' })),
    });
  };
  const versionOf = async (orderId: number) => (await db.selectFrom('orders').select('version').where('id', '=', orderId).executeTakeFirstOrThrow()).version;
  const approve = (kind: 'accounting' | 'qa') => ({ kind, decision: 'approved' as const, reasonCode: '', comment: '' });

  await place([['Lobby sign, brushed aluminum', 1, 1450]]);
  const previous = await db.selectFrom('orders').select('id').where('status', '=', 'completed').orderBy('id').executeTakeFirst();
  if (previous) await place([['Window lettering', 4, 85], ['Door decal', 2, 40]], previous.id);

  const waiting = await place([['Pylon sign faces', 2, 2200], ['Install kit', 1, 120]]);
  await submitOrder(db, marco, waiting.id, await versionOf(waiting.id));

  const halfway = await place([['Menu board set', 6, 180]]);
  await submitOrder(db, marco, halfway.id, await versionOf(halfway.id));
  await reviewOrder(db, andre, halfway.id, await versionOf(halfway.id), approve('qa'));

  const returned = await place([['Channel letters, 24 in', 9, 310]]);
  await submitOrder(db, marco, returned.id, await versionOf(returned.id));
  await reviewOrder(db, ruth, returned.id, await versionOf(returned.id), { kind: 'accounting', decision: 'rejected', reasonCode: 'prices', comment: 'Channel letters went up to $340 each in October; please reprice before resubmitting.' });

  const approved = await place([['Yard signs', 50, 12], ['H-stakes', 50, 2]]);
  await submitOrder(db, marco, approved.id, await versionOf(approved.id));
  await reviewOrder(db, ruth, approved.id, await versionOf(approved.id), approve('accounting'));
  await reviewOrder(db, andre, approved.id, await versionOf(approved.id), approve('qa'));
  await transition(db, { type: 'order', id: approved.id }, person('tom@demo.traveler'), { expectedVersion: await versionOf(approved.id), to: 'planned' });
  return { orders, items };
}

/** Accounting's record: the oldest completed orders invoiced and paid in full, some orders in production with a deposit. */
async function demoPayments(db: Db, actor: Actor): Promise<void> {
  const pay = (orderId: number, amount: string, method: string, description: string) =>
    recordPayment(db, actor, orderId, { amount, receivedOn: fmt.today(), method, description, correctsId: '' });
  const paid = await db
    .selectFrom('orders')
    .select(['id'])
    .where('status', '=', 'completed')
    .where(({ exists, selectFrom }) => exists(selectFrom('line_items').select('line_items.id').whereRef('line_items.order_id', '=', 'orders.id').where('line_items.status', '<>', 'cancelled')))
    .orderBy('id')
    .limit(15)
    .execute();
  for (const [index, order] of paid.entries()) {
    const { invoice } = await issueInvoice(db, actor, order.id);
    await pay(order.id, invoice.total, index % 3 === 0 ? 'card' : 'check', `Invoice ${invoice.number}, paid in full`);
  }
  const deposits = await db.selectFrom('orders').select(['id', 'total']).where('status', '=', 'in_production').orderBy('id').limit(10).execute();
  for (const order of deposits) await pay(order.id, (Math.round(Number(order.total) * 50) / 100).toFixed(2), 'bank-transfer', 'Deposit, 50 %');
}

/** A hold for quality problems (the kiosk's "Quality problem" goes there), so Alerts shows quality flags. */
async function demoQualityHold(db: Db, actor: Actor): Promise<void> {
  const workflow = await readWorkflow(db, 'production');
  if (!workflow || workflow.statuses.has('quality_hold')) return;
  const holdRoles = workflow.transitions.find((t) => t.from === 'in_progress' && t.intent === 'hold')?.roles ?? ['admin', 'production'];
  const added = await addStatus(db, actor, 'production', {
    ...blankStatusInput(workflow),
    key: 'quality_hold',
    label: 'Quality hold',
    customerLabel: 'On hold',
    queueKey: 'on_hold',
    kind: 'hold',
    qualityHold: true,
    after: 'in_progress',
    onTo: 'pending',
    holdAndCancel: false,
  }, workflow.revision);
  await addTransition(db, actor, 'production', { from: 'quality_hold', to: 'in_progress', label: 'Resume', intent: 'resume', roles: [...holdRoles], requires: ['previous_status'] }, added.revision);
}

/** Holidays on the shop calendar, two batches, and the duration statistics forecasts start from. */
async function demoMonitoring(db: Db, actor: Actor, timeZone: string, machineIds: Map<string, number>): Promise<void> {
  const holidays = demoHolidays(new Date().getUTCFullYear());
  const { version } = await db.selectFrom('shop_settings').select('version').executeTakeFirstOrThrow();
  await updateShopCalendar(db, actor, { workDays: ['1', '2', '3', '4', '5'], opensAt: '08:00', closesAt: '17:00', holidays: holidays.join('\n'), version });

  const menuBoards = await db.selectFrom('line_items').select('id').where('description', '=', 'PVC menu board').orderBy('id').limit(40).execute();
  if (menuBoards.length > 0) {
    await batchItems(db, actor, { batchId: '', name: 'Spring menu boards', notes: 'Every menu board for the spring refresh, across orders.' }, menuBoards.map((row) => row.id), 'demo data');
  }
  const routed = await db
    .selectFrom('line_items')
    .select('id')
    .where('machine_id', '=', machineIds.get('CNC router')!)
    .where('status', 'in', ['pending', 'in_progress', 'on_hold'])
    .orderBy('id')
    .limit(60)
    .execute();
  if (routed.length > 0) {
    await batchItems(db, actor, { batchId: '', name: 'Router backlog', notes: 'Open work on the CNC router.' }, routed.map((row) => row.id), 'demo data');
  }
  const stored = await getStoredCalendar(db);
  await refreshDurationStats(db, 'production', new BusinessClock(shopCalendarOf(stored, timeZone)));
}

/** The n-th (1-based; -1: the last) given weekday (0 Sunday … 6 Saturday) of a month, as 2026-11-26. */
function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  if (n > 0) {
    const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
    const day = 1 + ((weekday - first + 7) % 7) + (n - 1) * 7;
    return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  }
  const lastDay = new Date(Date.UTC(year, month, 0));
  const day = lastDay.getUTCDate() - ((lastDay.getUTCDay() - weekday + 7) % 7);
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** A US sign shop's days off, this year's last ones and next year's, as the holidays form takes them. */
function demoHolidays(year: number): string[] {
  const observed = (date: Date) => {
    const weekday = date.getUTCDay();
    const shifted = new Date(date.getTime() + (weekday === 6 ? -1 : weekday === 0 ? 1 : 0) * dayMs);
    return shifted.toISOString().slice(0, 10);
  };
  const lines: string[] = [];
  for (const y of [year, year + 1]) {
    lines.push(`${observed(new Date(Date.UTC(y, 0, 1)))} New Year’s Day`);
    lines.push(`${nthWeekday(y, 5, 1, -1)} Memorial Day`);
    lines.push(`${observed(new Date(Date.UTC(y, 6, 4)))} Independence Day`);
    lines.push(`${nthWeekday(y, 9, 1, 1)} Labor Day`);
    lines.push(`${nthWeekday(y, 11, 4, 4)} Thanksgiving`);
    lines.push(`${observed(new Date(Date.UTC(y, 11, 25)))} Christmas Day`);
  }
  return lines;
}

/**
 * Two inspection and test plans, made once the demo's items have moved (they gate BUILT from
 * here on): channel letters, and everything off the large-format printer. One channel-letter
 * item in work is part-way through its checklist, with a failed measurement to redo.
 */
async function demoChecklists(db: Db, actor: Actor, builder: { id: number; roles: Role[] }, machineIds: Map<string, number>): Promise<void> {
  const step = (stage: string, kind: string, label: string, extra: Partial<StepValues> = {}): StepValues => ({
    label, stage, kind, required: true, lowerLimit: '', upperLimit: '', unit: '', instructions: '', position: '1', ...extra,
  });
  const letters = await createTemplate(db, actor, { name: 'Channel letters: inspection and test plan', machineId: '', materialId: '', descriptionContains: 'channel letter' });
  const letterSteps = [
    step('fabrication', 'check', 'Returns bent and seams welded', { position: '1' }),
    step('fabrication', 'check', 'LED modules placed and wired', { position: '2' }),
    step('post_processing', 'check', 'Returns painted and cured', { position: '1' }),
    step('inspection', 'measurement', 'Tallest letter height', { position: '1', lowerLimit: '23.75', upperLimit: '24.25', unit: 'in', instructions: 'Measure the tallest letter face, top to bottom, with the tape square to the face.' }),
    step('inspection', 'pass_fail', 'Lit test: every letter lights evenly, no hot spots', { position: '2' }),
    step('inspection', 'photo', 'Photo of the finished set, lit', { position: '3' }),
  ];
  const stepIds: number[] = [];
  for (const values of letterSteps) stepIds.push(await addStep(db, actor, letters, values));
  const printer = machineIds.get('Large-format printer');
  const prints = await createTemplate(db, actor, { name: 'Large-format print check', machineId: printer === undefined ? '' : String(printer), materialId: '', descriptionContains: '' });
  await addStep(db, actor, prints, step('inspection', 'pass_fail', 'Colours match the approved proof', { position: '1', instructions: 'Hold the print beside the proof under the daylight lamp.' }));
  await addStep(db, actor, prints, step('post_processing', 'check', 'Edges trimmed square', { position: '1', required: false }));

  const inWork = await db
    .selectFrom('line_items')
    .select('id')
    .where('description', 'like', '%channel letters%')
    .where('status', '=', 'in_progress')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!inWork) return;
  const atKiosk = { userId: builder.id, kioskId: null, roles: builder.roles, via: 'demo data' };
  await recordCheck(db, atKiosk, inWork.id, stepIds[0]!, 0, { action: 'done' });
  await recordCheck(db, atKiosk, inWork.id, stepIds[1]!, 0, { action: 'done' });
  await recordCheck(db, atKiosk, inWork.id, stepIds[3]!, 0, { action: 'measure', value: '24.5' });
}

/**
 * Machine capacities, and plans from the next working day: the items in work and the first
 * waiting ones, each on its machine for as many working days as its expected hours need at 6 h
 * a day. Every third item is stacked on the day before it, so some days go over capacity.
 */
async function demoPlanning(db: Db, actor: Actor, timeZone: string): Promise<void> {
  const calendar = shopCalendarOf(await getStoredCalendar(db), timeZone);
  const nextWorkingDay = (day: string) => {
    let next = day;
    while (!calendar.workDays.includes(new Date(`${next}T00:00:00Z`).getUTCDay() || 7)) next = addDays(next, 1);
    return next;
  };
  const first = nextWorkingDay(fmt.today());
  for (const [name, hours] of [['CNC router', 4], ['Large-format printer', 6], ['Laser engraver', 3], ['Vinyl cutter', 5]] as const) {
    await db.updateTable('machines').set({ capacity_minutes: hours * 60 }).where('name', '=', name).execute();
  }
  const candidates = await db
    .selectFrom('line_items')
    .select(['id', 'machine_id as machineId', 'expected_work_minutes as minutes', 'status'])
    .where('status', 'in', ['in_progress', 'pending'])
    .where('machine_id', 'is not', null)
    .orderBy('status', 'asc')
    .orderBy('due_date')
    .orderBy('id')
    .limit(40)
    .execute();
  const nextFree = new Map<number, string>();
  for (const [index, item] of candidates.entries()) {
    const machineId = item.machineId!;
    const from = nextWorkingDay(nextFree.get(machineId) ?? first);
    const days = Math.max(1, Math.ceil((item.minutes ?? 240) / 360));
    let end = from;
    for (let left = days - 1; left > 0; left -= 1) end = nextWorkingDay(addDays(end, 1));
    await planItem(db, actor, calendar, item.id, 0, { machineId: String(machineId), start: from, end });
    // Every third item starts the same day as the one before: some days carry more than a machine can do.
    if (index % 3 !== 2) nextFree.set(machineId, addDays(end, 1));
  }
}

/** The oldest completed orders finished over a month ago, so the archive (Admin: Orders → Archived) has some. */
async function demoArchive(db: Db): Promise<void> {
  const oldest = await db.selectFrom('orders').select('id').where('status', '=', 'completed').orderBy('id').limit(8).execute();
  if (oldest.length === 0) return;
  await sql`update orders set status_entered_at = now() - interval '45 days' where id = any(${oldest.map((order) => order.id)}::int[])`.execute(db);
  await archiveCompletedOrders(db);
}
