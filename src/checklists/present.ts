import type { DbOrTx } from '../db/database.js';
import { lineItemLabel } from '../line-items/queries.js';
import { formText } from '../platform/forms.js';
import { can } from '../platform/permissions.js';
import { ValidationError } from '../platform/errors.js';
import { Id, Text, Version } from '../platform/schemas.js';
import { checklistOpen, checklistView, itemChecklist, type CheckRecord } from './item-checklist.js';

/** One step's form on an item's checklist: which step, the result's version it was drawn from, what was done. */
export const CheckFields = { step: Id, checkVersion: Version, action: Text(20), value: Text(200), note: Text(10_000), reason: Text(10_000) };

/** What a step's form asked for, checked: one of the things a step can be. */
export function checkRecordOf(body: unknown): CheckRecord {
  const action = formText(body, 'action');
  switch (action) {
    case 'done':
      return { action };
    case 'pass':
    case 'fail':
      return { action, note: formText(body, 'note') };
    case 'measure':
      return { action, value: formText(body, 'value') };
    case 'waive':
      return { action, reason: formText(body, 'reason') };
    default:
      throw new ValidationError({ form: 'Choose one of the buttons of the step.' });
  }
}

/** An item's checklist with what this person may do to it, for the office's pages and the kiosk. */
export async function checklistPageData(db: DbOrTx, roles: readonly string[], itemId: number) {
  const [label, steps, open] = await Promise.all([lineItemLabel(db, itemId), itemChecklist(db, itemId), checklistOpen(db, itemId)]);
  if (label === undefined) return undefined;
  return { itemId, label, ...checklistView(steps), closed: !open, canRecord: open && can(roles, 'checklists:record'), canWaive: open && can(roles, 'checklists:waive') };
}
