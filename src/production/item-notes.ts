import type { DbOrTx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { recordEvent } from '../events/record.js';
import { ValidationError } from '../platform/errors.js';
import type { PersonActor } from '../events/record.js';

export const noteMaxLength = 2000;

export async function addItemNote(db: DbOrTx, actor: PersonActor, itemId: number, text: string): Promise<void> {
  const body = text.trim();
  if (body === '') throw new ValidationError({ note: 'Write the note first.' });
  if (body.length > noteMaxLength) throw new ValidationError({ note: `Keep the note under ${noteMaxLength} characters (it has ${body.length}).` });
  await inTransaction(db, async (tx) => {
    const note = await tx
      .insertInto('item_notes')
      .values({ line_item_id: itemId, author_user_id: actor.userId, kiosk_id: actor.kioskId, body })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordEvent(tx, actor, { subjectType: 'line_item', subjectId: itemId, action: 'note-added', note: body, particulars: { noteId: note.id } });
  });
}

export interface ItemNote {
  id: number;
  body: string;
  author: string;
  via: string | null;
  createdAt: Date;
}

export async function itemNotes(db: DbOrTx, itemId: number): Promise<ItemNote[]> {
  return db
    .selectFrom('item_notes')
    .innerJoin('users', 'users.id', 'item_notes.author_user_id')
    .leftJoin('kiosks', 'kiosks.id', 'item_notes.kiosk_id')
    .select(['item_notes.id', 'item_notes.body', 'users.name as author', 'kiosks.name as via', 'item_notes.created_at as createdAt'])
    .where('item_notes.line_item_id', '=', itemId)
    .orderBy('item_notes.id', 'desc')
    .execute();
}
