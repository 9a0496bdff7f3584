import { sql } from 'kysely';
import type { Db, DbOrTx } from '../db/database.js';
import type { Actor } from '../events/record.js';
import { recordEvent } from '../events/record.js';
import { ConflictError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { emailPattern } from '../platform/forms.js';

export interface ShopSettings {
  shopName: string;
  replyToEmail: string;
  version: number;
}

export async function getShopSettings(db: DbOrTx): Promise<ShopSettings> {
  const row = await db.selectFrom('shop_settings').select(['shop_name', 'reply_to_email', 'version']).executeTakeFirstOrThrow();
  return { shopName: row.shop_name, replyToEmail: row.reply_to_email ?? '', version: row.version };
}

export function validateShopSettings(input: { shopName: string; replyToEmail: string }): FieldErrors {
  const errors: FieldErrors = {};
  if (input.shopName === '') errors.shopName = 'Enter the name of your shop.';
  else if (input.shopName.length > 120) errors.shopName = 'Use at most 120 characters.';
  if (input.replyToEmail !== '' && !emailPattern.test(input.replyToEmail)) errors.replyToEmail = 'Enter an email address like office@yourshop.com, or leave it empty.';
  return errors;
}

export async function updateShopSettings(
  db: Db,
  actor: Actor,
  input: { shopName: string; replyToEmail: string; version: number },
): Promise<ShopSettings> {
  const errors = validateShopSettings(input);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('shop_settings')
      .set({
        shop_name: input.shopName,
        reply_to_email: input.replyToEmail || null,
        updated_at: sql<Date>`now()`,
        version: sql<number>`version + 1`,
      })
      .where('version', '=', input.version)
      .returning(['shop_name', 'reply_to_email', 'version'])
      .executeTakeFirst();
    if (!updated) throw new ConflictError('Someone else saved the settings while you were editing. Their version is shown below; press Save again to replace it with yours.');
    await recordEvent(tx, actor, {
      subjectType: 'shop_settings',
      subjectId: 1,
      action: 'updated',
      particulars: { shopName: updated.shop_name, replyToEmail: updated.reply_to_email },
    });
    return { shopName: updated.shop_name, replyToEmail: updated.reply_to_email ?? '', version: updated.version };
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
