import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { Actor } from '../events/record.js';
import { recordEvent } from '../events/record.js';
import { ConflictError, ValidationError } from '../platform/errors.js';
import { formSpec, wholeNumber, type FormValues } from '../platform/form-spec.js';
import { orderApprovals, type OrderApproval } from '../db/types.js';

export interface ShopSettings {
  shopName: string;
  replyToEmail: string;
  customerEmailsEnabled: boolean;
  customerEmailDelaySeconds: number;
  orderApproval: OrderApproval;
  /** Percent, as typed: "8.25". */
  taxRate: string;
  taxLabel: string;
  paymentTerms: string;
  /** Off: sales staff see only their own customers, and those customers' orders. */
  salesSeeAllCustomers: boolean;
  /** Completed orders are archived this many days after completion; 0: never. */
  archiveAfterDays: number;
  version: number;
}

export const orderApprovalOptions: { value: OrderApproval; label: string }[] = [
  { value: 'none', label: 'No approval: new orders go straight to production' },
  { value: 'parallel', label: 'Accounting and QA approve each order, at the same time' },
  { value: 'sequence', label: 'Accounting approves each order, then QA' },
];
export const settingsOptions = { orderApproval: orderApprovalOptions };

/** The settings form: its fields, limits and messages, in one place. */
export const settingsForm = formSpec({
  shopName: { kind: 'text', label: 'Shop name', max: 120, required: 'Enter the name of your shop.', hint: 'Shown on every page and in emails to customers.' },
  replyToEmail: { kind: 'email', label: 'Reply-to email', max: 200, invalid: 'Enter an email address like office@yourshop.com, or leave it empty.', hint: 'Where customers’ replies to Traveler emails go.' },
  customerEmailsEnabled: {
    kind: 'checkbox',
    switch: true,
    label: 'Email customers when their items enter a status that emails them (in the preset: BUILT, and picked up, installed, delivered or shipped; see Admin → Workflows)',
    hint: 'Customers can opt out, and any order can be muted.',
  },
  customerEmailDelaySeconds: { kind: 'integer', label: 'Wait before emailing (seconds)', min: 0, max: 3600, message: 'Enter a number of seconds from 0 to 3600.', hint: 'Changes to one order within this time go out as one email.' },
  orderApproval: {
    kind: 'select',
    label: 'Approval of new orders',
    required: 'Choose how new orders are approved.',
    invalid: 'Choose one of the ways offered.',
    hint: 'With approval, a new order starts as a draft and its items wait outside the production queues until accounting and QA approve it. Orders already entered keep their path.',
  },
  taxLabel: { kind: 'text', label: 'Tax name', max: 60, required: 'Name the tax, like “Sales tax”.', hint: 'As price sheets and invoices print it.' },
  taxRate: {
    kind: 'text',
    label: 'Tax rate, %',
    max: 7,
    required: 'Enter the tax rate, like 8.25, or 0.',
    valid: (value) => taxRateProblem(value) === undefined,
    invalid: 'Enter a rate from 0 to 99.999, like 8.25.',
    tooLong: 'Enter a rate from 0 to 99.999, like 8.25.',
    inputmode: 'decimal',
    hint: 'Added to the lines of price sheets and invoices. Invoices already issued keep their rate.',
  },
  paymentTerms: { kind: 'textarea', label: 'Payment terms', max: 500, tooLong: 'Keep the payment terms under 500 characters.', hint: 'Printed on price sheets and invoices.' },
  archiveAfterDays: {
    kind: 'integer',
    label: 'Archive completed orders after (days)',
    min: 0,
    max: 3650,
    message: 'Enter a number of days from 0 to 3650 (0: never archive).',
    hint: 'Archived orders are read-only and leave the everyday order list; search still finds them, and admins can list them. 0 keeps every order active.',
  },
  salesSeeAllCustomers: {
    kind: 'checkbox',
    switch: true,
    label: 'Sales staff see every customer',
    hint: 'Off: each salesperson sees only their own customers (Customers → Salesperson) and those customers’ orders, items and documents. Admins, accounting, QA and the shop floor always see all.',
  },
});

function taxRateProblem(value: string): string | undefined {
  return /^\d{1,2}(\.\d{1,3})?$/.test(value.trim()) ? undefined : 'invalid';
}

/** "8.250" as stored → "8.25" as a person writes it. */
export function plainRate(rate: string): string {
  return String(Number(rate));
}

export type SettingsValues = FormValues<typeof settingsForm.fields>;

/** The settings as the form shows them. */
export function settingsValues(settings: ShopSettings): SettingsValues & { version: number } {
  return { ...settings, customerEmailDelaySeconds: String(settings.customerEmailDelaySeconds), archiveAfterDays: String(settings.archiveAfterDays), orderApproval: settings.orderApproval, taxRate: plainRate(settings.taxRate) };
}

export async function getShopSettings(db: DbOrTx): Promise<ShopSettings> {
  // The condition is always true; as a parameter it makes this a prepared statement, planned once per connection.
  const row = await db.selectFrom('shop_settings').selectAll().where('id', '=', true).executeTakeFirstOrThrow();
  return toSettings(row);
}

function toSettings(row: {
  shop_name: string;
  reply_to_email: string | null;
  customer_emails_enabled: boolean;
  customer_email_delay_seconds: number;
  order_approval: OrderApproval;
  tax_rate: string;
  tax_label: string;
  payment_terms: string;
  sales_see_all_customers: boolean;
  archive_after_days: number;
  version: number;
}): ShopSettings {
  return {
    shopName: row.shop_name,
    replyToEmail: row.reply_to_email ?? '',
    customerEmailsEnabled: row.customer_emails_enabled,
    customerEmailDelaySeconds: row.customer_email_delay_seconds,
    orderApproval: row.order_approval,
    taxRate: row.tax_rate,
    taxLabel: row.tax_label,
    paymentTerms: row.payment_terms,
    salesSeeAllCustomers: row.sales_see_all_customers,
    archiveAfterDays: row.archive_after_days,
    version: row.version,
  };
}

/** The shop's name, as the setup page asks for it too. */
export function shopNameProblem(shopName: string): string | undefined {
  return settingsForm.validate({ ...settingsForm.blank(), shopName }, { only: ['shopName'], options: settingsOptions }).shopName;
}

export async function updateShopSettings(
  db: Db,
  actor: Actor,
  input: SettingsValues & { version: number },
): Promise<ShopSettings> {
  const errors = settingsForm.validate(input, { options: settingsOptions });
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  const orderApproval = orderApprovals.find((approval) => approval === input.orderApproval)!;
  return inTransaction(db, async (tx) => {
    const updated = await tx
      .updateTable('shop_settings')
      .set({
        shop_name: input.shopName,
        reply_to_email: input.replyToEmail || null,
        customer_emails_enabled: input.customerEmailsEnabled,
        customer_email_delay_seconds: wholeNumber(input.customerEmailDelaySeconds),
        order_approval: orderApproval,
        tax_rate: input.taxRate.trim(),
        tax_label: input.taxLabel.trim(),
        payment_terms: input.paymentTerms.trim(),
        sales_see_all_customers: input.salesSeeAllCustomers,
        archive_after_days: wholeNumber(input.archiveAfterDays),
        updated_at: sql<Date>`now()`,
        version: sql<number>`version + 1`,
      })
      .where('version', '=', input.version)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new ConflictError('Someone else saved the settings while you were editing. Their version is shown below; press Save again to replace it with yours.');
    await recordEvent(tx, actor, {
      subjectType: 'shop_settings',
      subjectId: 1,
      action: 'updated',
      particulars: { shopName: updated.shop_name, replyToEmail: updated.reply_to_email, customerEmailsEnabled: updated.customer_emails_enabled, customerEmailDelaySeconds: updated.customer_email_delay_seconds, orderApproval: updated.order_approval, taxRate: plainRate(updated.tax_rate), taxLabel: updated.tax_label, paymentTerms: updated.payment_terms, salesSeeAllCustomers: updated.sales_see_all_customers, archiveAfterDays: updated.archive_after_days },
    });
    return toSettings(updated);
  });
}

/** The shop name appears on every page; it is read at most once a minute per app instance. */
export class ShopNameCache {
  private value = 'Traveler';
  private loadedAt = 0;

  constructor(private readonly db: Db) {}

  current(): string {
    if (Date.now() - this.loadedAt > 60_000) {
      this.loadedAt = Date.now();
      getShopSettings(this.db).then(
        (settings) => (this.value = settings.shopName),
        () => (this.loadedAt = 0),
      );
    }
    return this.value;
  }

  async refresh(): Promise<void> {
    this.value = (await getShopSettings(this.db)).shopName;
    this.loadedAt = Date.now();
  }
}
