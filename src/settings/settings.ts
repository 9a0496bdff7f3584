import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { Actor } from '../events/record.js';
import { recordEvent } from '../events/record.js';
import { ConflictError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { emailPattern } from '../platform/forms.js';

export interface ShopSettings {
  shopName: string;
  replyToEmail: string;
  customerEmailsEnabled: boolean;
  customerEmailDelaySeconds: number;
  version: number;
}

export type ShopSettingsInput = Omit<ShopSettings, 'version'>;

export async function getShopSettings(db: DbOrTx): Promise<ShopSettings> {
  const row = await db.selectFrom('shop_settings').selectAll().executeTakeFirstOrThrow();
  return toSettings(row);
}

function toSettings(row: { shop_name: string; reply_to_email: string | null; customer_emails_enabled: boolean; customer_email_delay_seconds: number; version: number }): ShopSettings {
  return {
    shopName: row.shop_name,
    replyToEmail: row.reply_to_email ?? '',
    customerEmailsEnabled: row.customer_emails_enabled,
    customerEmailDelaySeconds: row.customer_email_delay_seconds,
    version: row.version,
  };
}

export function validateShopSettings(input: { shopName: string; replyToEmail: string; customerEmailDelaySeconds?: number }): FieldErrors {
  const errors: FieldErrors = {};
  if (input.shopName === '') errors.shopName = 'Enter the name of your shop.';
  else if (input.shopName.length > 120) errors.shopName = 'Use at most 120 characters.';
  if (input.replyToEmail !== '' && !emailPattern.test(input.replyToEmail)) errors.replyToEmail = 'Enter an email address like office@yourshop.com, or leave it empty.';
  const delay = input.customerEmailDelaySeconds;
  if (delay !== undefined && !(Number.isInteger(delay) && delay >= 0 && delay <= 3600)) errors.customerEmailDelaySeconds = 'Enter a number of seconds from 0 to 3600.';
  return errors;
}

export async function updateShopSettings(
  db: Db,
  actor: Actor,
  input: ShopSettingsInput & { version: number },
): Promise<ShopSettings> {
  const errors = validateShopSettings(input);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return inTransaction(db, async (tx) => {
    const updated = await tx
      .updateTable('shop_settings')
      .set({
        shop_name: input.shopName,
        reply_to_email: input.replyToEmail || null,
        customer_emails_enabled: input.customerEmailsEnabled,
        customer_email_delay_seconds: input.customerEmailDelaySeconds,
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
      particulars: { shopName: updated.shop_name, replyToEmail: updated.reply_to_email, customerEmailsEnabled: updated.customer_emails_enabled, customerEmailDelaySeconds: updated.customer_email_delay_seconds },
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
