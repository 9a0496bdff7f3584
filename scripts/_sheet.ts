import { writeFileSync } from 'node:fs';
import { createTestDatabase } from '../test/helpers/database.js';
import { placeOrder, seedShop } from '../test/helpers/shop.js';
const database = await createTestDatabase();
const { db } = database as any;
const shop = await seedShop(db);
await db.updateTable('shop_settings').set({ tax_rate: '8.25', payment_terms: 'Net 30.' }).execute();
const items = Array.from({ length: 14 }, (_, i) => ({ description: `Channel letters set ${i + 1} with a rather long description that wraps onto two lines`, quantity: String(i + 1), unitPrice: '125.00', machineId: String(shop.machines.router), materialId: String(shop.materials.acrylic), notes: i % 3 ? '' : 'Mind the returns', expectedHours: '2.5' }));
const order = await placeOrder(db, shop, items, { dueDate: '2026-12-20' });
for (const kind of ['work-sheet', 'price-sheet']) {
  const row = await db.selectFrom('documents').innerJoin('document_versions', 'document_versions.document_id', 'documents.id').select('content').where('owner_id', '=', order.id).where('kind', '=', kind).executeTakeFirstOrThrow();
  writeFileSync(`/tmp/${kind}.pdf`, row.content);
}
await db.destroy?.();
await database.drop();
