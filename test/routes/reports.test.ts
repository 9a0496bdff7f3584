import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import t from 'tap';
import { batchItems } from '../../src/batches/batches.js';
import { removeExpiredExports, requestExport, runNextExport } from '../../src/reports/exports.js';
import { transition } from '../../src/workflow/engine.js';
import { buildTestApp, signedInClient, textOf } from '../helpers/app.js';
import { placeOrder, seedShop } from '../helpers/shop.js';


async function readXlsx(data: Buffer) {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(data as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0]!;
  const rows: unknown[][] = [];
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
  return { sheet, rows };
}

/** Three items in a batch: one with a formula for a description, one moved along twice. */
async function reportShop(t: Parameters<typeof buildTestApp>[0]) {
  const { app, db } = await buildTestApp(t);
  const shop = await seedShop(db);
  const { client, user } = await signedInClient(app, db, ['sales']);
  const order = await placeOrder(db, shop, [{ description: '=HYPERLINK("http://evil.example","click")' }, { description: 'Menu board, "large"', quantity: '3', dueDate: '2026-12-24' }, { description: '@SUM(A1)' }]);
  const actor = { userId: shop.production.id, roles: ['production'] };
  const moved = order.items[1]!;
  const started = await transition(db, { type: 'line_item', id: moved.id }, actor, { expectedVersion: moved.version, to: { intent: 'start' } });
  await transition(db, { type: 'line_item', id: moved.id }, actor, { expectedVersion: started.version, to: { intent: 'hold' }, input: { reason: 'Waiting for acrylic' } });
  const { batchId } = await batchItems(db, { userId: user.id }, { batchId: '', name: 'Report test', notes: '' }, order.items.map((item) => item.id), 'test');
  return { app, db, shop, client, user, order, batchId };
}

t.test('the detailed report as CSV: every item, read back with a parser, formulas kept as text', async (t) => {
  const { app, db, client, batchId } = await reportShop(t);
  const response = await client.get(`/reports/items.csv?batch=${batchId}`);
  t.equal(response.statusCode, 200);
  t.match(String(response.headers['content-type']), /^text\/csv/);
  t.match(String(response.headers['content-disposition']), /attachment; filename="traveler-items-batch-\d+-\d{4}-\d{2}-\d{2}\.csv"/);
  const rows = parse(response.body, { bom: true }) as string[][];
  t.same(rows[0], ['Item', 'Order', 'Customer', 'Description', 'Quantity', 'Status', 'In it since', 'Working hours in it', 'Due', 'Machine', 'Material', 'Fulfillment', 'Placed', 'Finished']);
  t.equal(rows.length, 4, 'a header and every item');
  t.equal(rows[1]![3], `'=HYPERLINK("http://evil.example","click")`, 'a formula arrives as text');
  t.equal(rows[3]![3], "'@SUM(A1)");
  t.equal(rows[2]![3], 'Menu board, "large"', 'commas and quotes survive');
  t.equal(rows[2]![4], '3');
  t.equal(rows[2]![5], 'On hold');
  t.equal(rows[2]![8], '2026-12-24');
  t.match(rows[1]![12]!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/, 'dates as spreadsheets read them');

  // PostgreSQL works out the CSV's working hours from the calendar as arrays; the Excel file's come
  // from the app's clock: the two agree.
  await sql`update line_items set status_entered_at = now() - interval '75 hours' where description = '@SUM(A1)'`.execute(db);
  const csvHours = Number((parse((await client.get(`/reports/items.csv?batch=${batchId}`)).body, { bom: true }) as string[][])[3]![7]);
  const xlsxHours = (await readXlsx((await client.get(`/reports/items.xlsx?batch=${batchId}`)).rawPayload)).sheet.getCell('H4').value as number;
  t.ok(csvHours > 0 && Math.abs(csvHours - xlsxHours) <= 0.02, `working hours in the status: ${csvHours} (CSV) and ${xlsxHours} (XLSX)`);
  const timeline = parse((await client.get(`/reports/timeline.csv?batch=${batchId}`)).body, { bom: true }) as string[][];
  t.same(timeline.slice(1).map((row) => row.slice(4)), [
    ['Pending', 'Work in progress', 'Pete Production', ''],
    ['Work in progress', 'On hold', 'Pete Production', 'Waiting for acrylic'],
  ], 'the timeline as CSV: every change, who and why');

  const queue = await client.get('/reports/items.csv?queue=pending&q=hyperlink');
  t.equal((parse(queue.body, { bom: true }) as string[][]).length, 2, 'a queue filter: only what it shows');
  t.equal((await client.get('/reports/items.csv?batch=999999')).statusCode, 404);
  t.equal((await client.get('/reports/items.csv')).statusCode, 400, 'no batch, queue or period');
  t.equal((await client.get('/reports/items.csv?queue=pending&due_from=2026-02-31')).statusCode, 400);
  t.equal((await client.get('/reports/items.pdf?batch=1')).statusCode, 404, 'no such format');
  t.equal((await client.get('/reports/secrets.csv?batch=1')).statusCode, 404, 'no such report');
  const { client: installer } = await signedInClient(app, db, ['installer']);
  t.equal((await installer.get(`/reports/items.csv?batch=${batchId}`)).statusCode, 403);
});

t.test('the same reports as Excel: typed cells, a bold frozen header, formulas never run', async (t) => {
  const { client, batchId } = await reportShop(t);
  const response = await client.get(`/reports/items.xlsx?batch=${batchId}`);
  t.equal(response.statusCode, 200);
  t.equal(response.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const { sheet, rows } = await readXlsx(response.rawPayload);
  t.equal(sheet.name, 'Items');
  t.equal(rows.length, 4);
  t.equal(rows[0]![0], 'Item');
  t.ok(sheet.getRow(1).font?.bold || sheet.getCell('A1').font?.bold, 'the header is bold');
  t.equal(sheet.views[0]?.state, 'frozen', 'and stays in view');
  const formulaCell = sheet.getCell('D2');
  t.equal(formulaCell.value, '=HYPERLINK("http://evil.example","click")', 'the text as typed');
  t.equal(formulaCell.formula, undefined, 'stored as text, not as a formula');
  t.equal(sheet.getCell('E3').value, 3, 'a number is a number');
  t.ok(sheet.getCell('M2').value instanceof Date, 'placed: a date the spreadsheet can sort');
  t.equal((sheet.getCell('I3').value as Date).toISOString().slice(0, 10), '2026-12-24', 'a due date is a calendar date');

  const timeline = await readXlsx((await client.get(`/reports/timeline.xlsx?batch=${batchId}`)).rawPayload);
  t.same(timeline.rows[0], ['When', 'Item', 'Customer', 'Description', 'From', 'To', 'By', 'Reason or note']);
  const changes = timeline.rows.slice(1).map((row) => [row[4], row[5], row[6], row[7] ?? '']);
  t.same(changes, [
    ['Pending', 'Work in progress', 'Pete Production', ''],
    ['Work in progress', 'On hold', 'Pete Production', 'Waiting for acrylic'],
  ], 'every status change with who and why');

  const summary = parse((await client.get(`/reports/summary.csv?batch=${batchId}`)).body, { bom: true }) as string[][];
  t.same(summary[0], ['Section', 'Name', 'Items', 'Done', 'Built, awaiting handover', 'On hold', 'Late', 'Percent done']);
  t.same(summary[1], ['Total', 'Batch “Report test”', '3', '0', '0', '1', '0', '0']);
  t.ok(summary.some((row) => row[0] === 'Stage' && row[1] === 'On hold' && row[2] === '1'));
  t.ok(summary.some((row) => row[0] === 'Status' && row[1] === 'Pending' && row[2] === '2'));
  t.ok(summary.some((row) => row[0] === 'Product' && row[1] === 'Menu board, "large"' && row[5] === '1'), 'per product, with what is on hold');
});

t.test('the reports page: a period, with each mistake beside its field', async (t) => {
  const { client } = await reportShop(t);
  const page = await client.get('/reports');
  t.equal(page.statusCode, 200);
  t.match(page.body, /name="report" value="items" checked/);
  const wrong = await client.post('/reports/exports', { report: 'items', format: 'xlsx', from: '2026-11-31', to: '2026-11-01' });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, /id="report-from-error" class="field-error">Enter a date like 2026-11-01\./);
  t.match(wrong.body, /id="report-from"[^>]*value="2026-11-31"/, 'what was typed is kept');
  const backwards = await client.post('/reports/exports', { report: 'timeline', format: 'csv', from: '2026-11-30', to: '2026-11-01' });
  t.match(backwards.body, /The last day must be on or after the first\./);
  const noReport = await client.post('/reports/exports', { format: 'csv', from: '2026-11-01', to: '2026-11-30' });
  t.match(noReport.body, /Choose a report\./);

  const today = new Date().toISOString().slice(0, 10);
  const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);
  const tooLong = await client.post('/reports/exports', { report: 'timeline', format: 'csv', from: '2020-01-01', to: today });
  t.match(tooLong.body, /Choose a period of at most three years\./);
  const period = await client.post('/reports/exports', { report: 'timeline', format: 'csv', from: yearAgo, to: today });
  t.equal(period.statusCode, 200, 'small: the file is the answer');
  t.equal((parse(period.body, { bom: true }) as string[][]).length, 3, 'the two status changes made in the period');
});

t.test('a big report is made in the background: a progress page, a link by email, then it expires', async (t) => {
  const { app, db, client, user, batchId } = await reportShop(t);
  app.reportExports.threshold = 2;
  const offer = await client.get(`/reports/items.xlsx?batch=${batchId}`);
  t.equal(offer.statusCode, 200);
  t.match(textOf(offer.body), /has 3 rows ?: too many to make while you wait/);
  const queued = await client.post('/reports/exports', { report: 'items', format: 'xlsx', batch: String(batchId) });
  t.equal(queued.statusCode, 303);
  const path = String(queued.headers.location);
  t.match(path, /^\/reports\/exports\/[A-Za-z0-9_-]{43}$/, 'an unguessable link');
  await app.reportExports.idle();

  const progress = await client.get(`${path}/progress`);
  t.match(textOf(progress.body), /Ready: 3 rows/);
  t.notMatch(progress.body, /hx-trigger/, 'a finished export stops polling');
  const file = await client.get(`${path}/file`);
  t.equal(file.statusCode, 200);
  t.match(String(file.headers['content-disposition']), /filename="traveler-items-batch-\d+-[\d-]+\.xlsx"/);
  t.equal((await readXlsx(file.rawPayload)).rows.length, 4, 'the whole report, from its stored chunks');

  const mail = await db.selectFrom('outbox').select(['to_address', 'data']).where('template', '=', 'export-ready').executeTakeFirstOrThrow();
  t.equal(mail.to_address, user.email);
  const emailed = (mail.data as { path: string }).path;
  t.match(emailed, /^\/reports\/exports\/[A-Za-z0-9_-]{43}$/);
  t.equal((await client.get(emailed)).statusCode, 200, 'the emailed link opens the same report');

  const { client: other } = await signedInClient(app, db, ['admin']);
  t.equal((await other.get(path)).statusCode, 404, 'another person cannot open it');
  t.equal((await client.get('/reports/exports/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).statusCode, 404, 'a guessed link is a 404');

  await sql`update report_exports set expires_at = now() - interval '1 minute'`.execute(db);
  await sql`update access_tokens set expires_at = now() - interval '1 minute' where purpose = 'report-export'`.execute(db);
  const expired = await client.get(path);
  t.equal(expired.statusCode, 410);
  t.match(textOf(expired.body), /This report has expired/);
  t.equal(await removeExpiredExports(db), 1);
  t.equal(Number((await db.selectFrom('report_export_chunks').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 0, 'its file is gone');
});

t.test('an export whose worker died is taken over; one that keeps failing says so', async (t) => {
  const { app, db, user, batchId } = await reportShop(t);
  const scope = { kind: 'batch' as const, batchId, name: 'Batch' };
  await requestExport(db, user.id, { report: 'items', format: 'csv', scope, title: 'Crashed', fileName: 'a.csv', rowsExpected: 3 });
  await sql`update report_exports set status = 'running', attempts = 1, locked_until = now() - interval '1 second'`.execute(db);
  await db.insertInto('report_export_chunks').values({ export_id: (await db.selectFrom('report_exports').select('id').executeTakeFirstOrThrow()).id, seq: 0, data: Buffer.from('half a file') }).execute();
  let made = 0;
  t.equal(await runNextExport(db, async (claimed, onRow) => {
    made += 1;
    const { reportFile } = await import('../../src/reports/make.js');
    const [workflow, clock] = await Promise.all([app.workflows.get('production'), app.shopClock.get()]);
    return reportFile({ db, workflow, clock, now: new Date() }, claimed.report, claimed.format, claimed.scope, onRow);
  }), true);
  t.equal(made, 1);
  const done = await db.selectFrom('report_exports').select(['status', 'rows_done', 'attempts']).executeTakeFirstOrThrow();
  t.same(done, { status: 'ready', rows_done: 3, attempts: 2 }, 'the lease ran out: taken over and finished');
  const chunks = await db.selectFrom('report_export_chunks').select('data').execute();
  t.notOk(chunks.some((chunk) => chunk.data.toString().includes('half a file')), 'the dead worker’s half file is not kept');

  const token = await requestExport(db, user.id, { report: 'items', format: 'csv', scope, title: 'Broken', fileName: 'b.csv', rowsExpected: 3 });
  const failing = async () => {
    throw new Error('disk on fire');
  };
  for (let attempt = 0; attempt < 3; attempt += 1) await t.rejects(runNextExport(db, failing), /disk on fire/);
  t.equal(await runNextExport(db, failing), false, 'no more attempts after the third');
  const client = (await signedInClient(app, db, ['sales'])).client;
  t.equal((await client.get(`/reports/exports/${token}`)).statusCode, 404, 'not this person’s');
  const owner = await import('../helpers/app.js').then(({ Client }) => new Client(app));
  await owner.signIn(user.email, user.password);
  t.match(textOf((await owner.get(`/reports/exports/${token}`)).body), /This report could not be made: disk on fire\./);
});

t.test('a worker whose export was taken over by another writes nothing more and does not finish it', async (t) => {
  const { db, user, batchId } = await reportShop(t);
  await requestExport(db, user.id, { report: 'items', format: 'csv', scope: { kind: 'batch', batchId, name: 'Batch' }, title: 'Slow', fileName: 'slow.csv', rowsExpected: 3 });
  let askedForMore!: () => void;
  const firstPieceTaken = new Promise<void>((resolve) => (askedForMore = resolve));
  let carryOn!: () => void;
  const gate = new Promise<void>((resolve) => (carryOn = resolve));
  const { Readable } = await import('node:stream');
  const running = runNextExport(db, async () =>
    Readable.from(
      (async function* pieces() {
        yield Buffer.alloc(300 * 1024, 97);
        askedForMore();
        await gate;
        yield Buffer.alloc(300 * 1024, 98);
      })(),
    ),
  );
  await firstPieceTaken;
  // Readable.from reads ahead: wait (a turn of the event loop at a time) until the first chunk is stored.
  while ((await db.selectFrom('report_export_chunks').select('seq').execute()).length === 0) await new Promise(setImmediate);
  // Another instance takes the export over (its lease ran out here): one attempt more.
  await sql`update report_exports set attempts = attempts + 1`.execute(db);
  carryOn();
  t.equal(await running, true);
  const chunks = await db.selectFrom('report_export_chunks').select('seq').execute();
  t.same(chunks.map((chunk) => chunk.seq), [0], 'the chunk written before the takeover only');
  const state = await db.selectFrom('report_exports').select(['status']).executeTakeFirstOrThrow();
  t.equal(state.status, 'running', 'left to the worker that holds it now, not marked ready');
  t.equal((await db.selectFrom('outbox').select('id').where('template', '=', 'export-ready').execute()).length, 0, 'and nobody is told it is ready');
});
