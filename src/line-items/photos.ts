import type { FastifyReply } from 'fastify';
import sharp from 'sharp';
import type { DbOrTx, Tx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import { recordEvent, type PersonActor } from '../events/record.js';
import { HttpError, ValidationError } from '../platform/errors.js';
import { touchQueueOfSubject } from '../workflow/queue-changes.js';

export const photoMaxBytes = 15 * 1024 * 1024;
const acceptedFormats = new Set(['jpeg', 'png', 'webp', 'heif']);

export interface ProcessedPhoto {
  image: Buffer;
  thumbnail: Buffer;
  width: number;
  height: number;
}

/**
 * Decodes the upload (whatever its name or declared type says), turns it upright, and writes
 * it out afresh as JPEG: nothing of the original file but its pixels is kept, so neither a
 * disguised file nor the camera's location data gets stored.
 */
export async function processPhoto(upload: Buffer): Promise<ProcessedPhoto> {
  const unreadable = new ValidationError({ photo: 'That file is not a photo Traveler can read. Use a JPEG, PNG or WebP picture.' });
  let format: string | undefined;
  try {
    format = (await sharp(upload, { limitInputPixels: 50_000_000 }).metadata()).format;
  } catch {
    throw unreadable;
  }
  if (!format || !acceptedFormats.has(format)) throw unreadable;
  try {
    const upright = sharp(upload, { limitInputPixels: 50_000_000 }).rotate();
    const { data: image, info } = await upright
      .clone()
      .resize({ width: 2000, height: 2000, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 82 })
      .toBuffer({ resolveWithObject: true });
    const thumbnail = await upright.clone().resize({ width: 320, height: 320, fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 70 }).toBuffer();
    return { image, thumbnail, width: info.width, height: info.height };
  } catch {
    throw unreadable;
  }
}

/** Stores a processed photo with the item's photos (the caller records why it was taken). */
export async function storePhoto(tx: Tx, actor: PersonActor, itemId: number, photo: ProcessedPhoto): Promise<number> {
  const row = await tx
    .insertInto('item_photos')
    .values({ line_item_id: itemId, uploaded_by: actor.userId, kiosk_id: actor.kioskId, ...photo })
    .returning('id')
    .executeTakeFirstOrThrow();
  await touchQueueOfSubject(tx, 'line_items', itemId);
  return row.id;
}

export async function attachPhoto(db: DbOrTx, actor: PersonActor, itemId: number, upload: Buffer): Promise<number> {
  if (upload.length === 0) throw new ValidationError({ photo: 'Take or choose a photo first.' });
  const photo = await processPhoto(upload);
  return inTransaction(db, async (tx) => {
    const photoId = await storePhoto(tx, actor, itemId, photo);
    await recordEvent(tx, actor, { subjectType: 'line_item', subjectId: itemId, action: 'photo-attached', particulars: { photoId } });
    return photoId;
  });
}

export interface PhotoSummary {
  id: number;
  width: number;
  height: number;
  uploadedBy: string;
  createdAt: Date;
}

export async function itemPhotos(db: DbOrTx, itemId: number): Promise<PhotoSummary[]> {
  return db
    .selectFrom('item_photos')
    .innerJoin('users', 'users.id', 'item_photos.uploaded_by')
    .select(['item_photos.id', 'item_photos.width', 'item_photos.height', 'users.name as uploadedBy', 'item_photos.created_at as createdAt'])
    .where('item_photos.line_item_id', '=', itemId)
    .orderBy('item_photos.id', 'desc')
    .execute();
}

export async function photoBytes(db: DbOrTx, photoId: number, size: 'image' | 'thumbnail'): Promise<{ bytes: Buffer; itemId: number } | undefined> {
  const row = await db
    .selectFrom('item_photos')
    .select([size === 'image' ? 'image as bytes' : 'thumbnail as bytes', 'line_item_id as itemId'])
    .where('id', '=', photoId)
    .executeTakeFirst();
  return row;
}

/** Answers with a stored photo (always JPEG: every upload was re-encoded) or its thumbnail. */
export async function sendPhoto(db: DbOrTx, reply: FastifyReply, photoId: number, size: 'image' | 'thumbnail') {
  const photo = await photoBytes(db, photoId, size);
  if (!photo) throw new HttpError(404, 'That photo does not exist.');
  return reply.type('image/jpeg').header('cache-control', 'private, max-age=86400').header('content-disposition', 'inline').send(photo.bytes);
}
