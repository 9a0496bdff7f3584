import type { Db } from '../../src/db/database.js';
import { addCatalogEntry } from '../../src/catalog/catalog.js';
import { createCustomer } from '../../src/customers/customers.js';
import { createOrder, type ItemInput } from '../../src/orders/orders.js';
import type { Role } from '../../src/platform/permissions.js';
import { createUser } from './app.js';

export interface Shop {
  admin: { id: number; roles: Role[] };
  production: { id: number; roles: Role[] };
  sales: { id: number; roles: Role[]; email: string };
  installer: { id: number; roles: Role[] };
  fulfillment: { id: number; roles: Role[] };
  customerId: number;
  machines: { router: number; printer: number };
  materials: { acrylic: number; vinyl: number };
}

/** A small sign shop: a user per role that moves items, a customer, two machines, two materials. */
export async function seedShop(db: Db): Promise<Shop> {
  const admin = await createUser(db, ['admin'], { name: 'Ada Admin' });
  const production = await createUser(db, ['production'], { name: 'Pete Production' });
  const sales = await createUser(db, ['sales'], { name: 'Sam Sales' });
  const installer = await createUser(db, ['installer'], { name: 'Ian Installer' });
  const fulfillment = await createUser(db, ['fulfillment'], { name: 'Fran Fulfillment' });
  const actor = { userId: admin.id };
  const customerId = await createCustomer(db, actor, {
    name: 'Rosa Diaz',
    company: 'Diaz Bakery',
    email: 'rosa@diazbakery.test',
    phone: '555-0100',
    address: '12 Main St',
    emailUpdates: true,
    salespersonId: String(sales.id),
  });
  return {
    admin: { id: admin.id, roles: ['admin'] },
    production: { id: production.id, roles: ['production'] },
    sales: { id: sales.id, roles: ['sales'], email: sales.email },
    installer: { id: installer.id, roles: ['installer'] },
    fulfillment: { id: fulfillment.id, roles: ['fulfillment'] },
    customerId,
    machines: { router: await addCatalogEntry(db, actor, 'machines', 'CNC router'), printer: await addCatalogEntry(db, actor, 'machines', 'Large-format printer') },
    materials: { acrylic: await addCatalogEntry(db, actor, 'materials', 'Acrylic'), vinyl: await addCatalogEntry(db, actor, 'materials', 'Vinyl') },
  };
}

export function itemInput(fields: Partial<ItemInput> = {}): ItemInput {
  return {
    description: 'Channel letters',
    quantity: '1',
    unitPrice: '100.00',
    machineId: '',
    materialId: '',
    fulfillmentMethod: 'pickup',
    dueDate: '',
    assigneeId: '',
    notes: '',
    ...fields,
  };
}

export async function placeOrder(db: Db, shop: Shop, items: Partial<ItemInput>[], fields: { dueDate?: string; salespersonId?: number | null; customerId?: number } = {}) {
  const order = await createOrder(db, { userId: shop.sales.id }, {
    customerId: String(fields.customerId ?? shop.customerId),
    salespersonId: fields.salespersonId === null ? '' : String(fields.salespersonId ?? shop.sales.id),
    dueDate: fields.dueDate ?? '',
    notes: '',
    items: items.map(itemInput),
  });
  const rows = await db.selectFrom('line_items').select(['id', 'version', 'status']).where('order_id', '=', order.id).orderBy('position').execute();
  return { ...order, items: rows };
}
