import { transitionIntents, type StatusKind, type TransitionIntent, type WaitsOn } from '../db/types.js';
import { formSpec, type FieldOption, type FieldOptions, type FieldSpec, type FormValues } from '../platform/form-spec.js';
import type { Workflow } from '../workflow/definition.js';
import type { SubjectRow, SubjectType } from '../workflow/subjects.js';

/**
 * Admin → Workflows: the status, move and queue forms, each declared once. The specs give the
 * routes their body schemas, read the bodies, check each field on its own and draw the fields
 * (views/partials/form-fields.eta). What depends on the workflow as a whole (a key or a name
 * already taken, a queue for a finished status, the graph) is checked in editor.ts.
 */

export const statusKinds: readonly StatusKind[] = ['open', 'hold', 'completed', 'cancelled'];
export const waitsOnChoices: readonly WaitsOn[] = ['shop', 'customer', 'vendor'];
export const expectedUnits = ['hours', 'days'] as const;
/** The queue choice that makes a new queue named after the status. */
export const newQueueChoice = '_new';

/** What each choice means, in the shop's words. */
export const intentLabels: Record<TransitionIntent, string> = {
  start: 'Starts work',
  advance: 'Moves it along',
  built: 'Marks it built',
  complete: 'Completes it',
  hold: 'Puts it on hold',
  resume: 'Resumes it after a hold',
  cancel: 'Cancels it',
  reopen: 'Reopens it',
  back: 'Sends it back',
  approve: 'Approves it',
  reject: 'Rejects it',
  submit: 'Submits it for review',
  release: 'Releases it to production',
  plan: 'Marks it planned',
  produce: 'Production has started',
  archive: 'Archives it',
};
export const kindLabels: Record<StatusKind, string> = { open: 'Open (being worked on or waiting)', hold: 'On hold', completed: 'Completed', cancelled: 'Cancelled' };
export const waitsOnLabels: Record<WaitsOn, string> = { shop: 'The shop', customer: 'The customer', vendor: 'A vendor' };

const rolesMessage = 'Choose roles from the list.';
const tooLong = 'Keep it to 100 characters or fewer.';
const expectedMessage = 'Enter a number of hours or days, like 4 or 1.5, or leave it empty.';

/** A status's own fields; their wording names what moves through the workflow ("item"). */
function statusFields(noun: string) {
  return {
    label: { kind: 'text', label: 'Name', max: 100, tooLong, required: 'Give the status a name.', hint: 'What the shop calls it, e.g. “Proof approval”.' },
    customerLabel: { kind: 'text', label: 'What the customer sees', max: 100, tooLong, hint: 'On the status page and in emails. Left empty, the name is used.' },
    kind: { kind: 'select', label: 'Kind', required: 'Choose what kind of status it is.', invalid: 'Choose what kind of status it is.' },
    queueKey: { kind: 'select', label: 'Queue it is listed in', placeholder: 'No queue (completed or cancelled statuses)', invalid: 'Choose a queue from the list.' },
    // Drawn by hand as one row, and checked together in editor.ts (the amount's message covers the unit).
    expectedAmount: { kind: 'text', label: 'Expected time in it', max: 10, inputmode: 'decimal', hint: 'In working hours or working days of the shop calendar (Admin → Settings): nearly due from 80 %, late from 100 %.' },
    expectedUnit: { kind: 'select', label: 'Unit of the expected time', required: expectedMessage, invalid: expectedMessage },
    waitsOn: { kind: 'select', label: 'Who it waits on', required: 'Choose who it waits on.', invalid: 'Choose who it waits on.', hint: 'Waiting on the customer or a vendor pauses the shop’s clock.' },
    customerEmail: { kind: 'select', label: 'Email to the customer on entering it', placeholder: 'No email', invalid: 'Choose an email from the list, or none.' },
    customerMessage: {
      kind: 'textarea',
      label: 'What that email says about it',
      max: 500,
      hint: 'A sentence or two under the status, e.g. “Please check the proof we sent and reply to approve it.” Left empty, the status alone.',
    },
    fulfillmentMethod: {
      kind: 'select',
      label: 'Fulfillment method it stands for',
      placeholder: 'Any',
      invalid: 'Choose a fulfillment method from the list, or none.',
      hint: 'For the statuses a “Marks it built” move picks between.',
    },
    alertRoles: { kind: 'choices', label: `Alert these roles when an ${noun} enters it`, invalid: rolesMessage, most: 20, hint: 'None ticked: nobody is alerted.' },
    qualityHold: { kind: 'checkbox', label: `A hold here is a quality problem`, hint: `For on-hold statuses: each ${noun} held here is a quality flag in Alerts.` },
    initial: { kind: 'checkbox', label: `New ${noun}s start here` },
  } satisfies Record<string, FieldSpec>;
}

/** A new status: its fields, its key, and where it goes in the flow. */
function newStatusFields(noun: string) {
  return {
    ...statusFields(noun),
    key: { kind: 'text', label: 'Key', max: 40, hint: 'Lowercase letters, digits and _, e.g. proof_approval. Left empty, it is made from the name. It cannot be changed later.' },
    after: { kind: 'select', label: 'Comes after', placeholder: '—', invalid: 'Choose a status from the list.' },
    onTo: { kind: 'select', label: 'Goes on to', placeholder: '—', invalid: 'Choose a status from the list.' },
    replaceDirect: { kind: 'checkbox', label: 'Replace the direct move between those two (it then always passes through the new status)' },
    holdAndCancel: { kind: 'checkbox', label: 'Can be put on hold and cancelled like the others' },
  } satisfies Record<string, FieldSpec>;
}

/** Changing a status (its key stays). `noun` only words the labels: every workflow's form reads and checks the same. */
export function statusForm(noun: string) {
  return formSpec(statusFields(noun));
}

export function newStatusForm(noun: string) {
  return formSpec(newStatusFields(noun));
}

export const transitionForm = formSpec({
  from: { kind: 'select', label: 'From', placeholder: 'Choose…', required: 'Choose the status it moves from.', invalid: 'Choose the status it moves from.' },
  to: { kind: 'select', label: 'To', placeholder: 'Choose…', required: 'Choose the status it moves to.', invalid: 'Choose the status it moves to.' },
  label: { kind: 'text', label: 'Button label', max: 100, tooLong, required: 'Give the move a name.', hint: 'What people tap, e.g. “Send for approval”.' },
  intent: { kind: 'select', label: 'What it means', required: 'Choose what the move means.', invalid: 'Choose what the move means.', hint: 'Screens and emails act on this, whatever the label says.' },
  roles: { kind: 'choices', label: 'Who may make it', required: 'Choose at least one role that may make this move.', invalid: rolesMessage, most: 20 },
  requires: { kind: 'choices', label: 'What it asks for', invalid: 'Choose what it asks for from the list.', most: 20, hint: 'None ticked: one tap.' },
});

const queueFields = {
  label: { kind: 'text', label: 'Name', max: 100, tooLong, required: 'Give the queue a name.', hint: 'As the navigation shows it, e.g. “Awaiting proof approval”.' },
  position: { kind: 'integer', label: 'Order', min: 0, max: 999999, message: 'Enter a whole number: queues are listed from the lowest.', hint: 'Queues are listed from the lowest number.' },
  ownerRoles: { kind: 'choices', label: 'Owned by', invalid: rolesMessage, most: 20, hint: 'Owners see what is new in it and may get its digest.' },
} satisfies Record<string, FieldSpec>;

export const queueForm = formSpec(queueFields);

export const newQueueForm = formSpec({
  ...queueFields,
  key: { kind: 'text', label: 'Key', max: 40, hint: 'Lowercase letters, digits and _. Left empty, it is made from the name.' },
});

export type StatusFields = FormValues<ReturnType<typeof statusFields>>;
export type NewStatusInput = FormValues<ReturnType<typeof newStatusFields>>;
export type TransitionInput = FormValues<typeof transitionForm.fields>;
export type QueueFields = FormValues<typeof queueForm.fields>;
export type NewQueueInput = FormValues<typeof newQueueForm.fields>;

/** The lists a workflow's forms choose from: `roles` as the page draws them, or just the names to check against. */
type Roles = readonly (FieldOption | string)[];
type Subject = Pick<SubjectType<SubjectRow>, 'customerEmails' | 'requirements' | 'fulfillmentMethods'>;
const keyed = (list: readonly { key: string; label: string }[]): FieldOption[] => list.map(({ key, label }) => ({ value: key, label }));

export function statusOptions(workflow: Workflow, subject: Subject, roles: Roles): FieldOptions<ReturnType<typeof newStatusFields>> {
  const statuses = [...workflow.statuses.values()].map((status) => ({ value: status.key, label: status.label }));
  return {
    kind: statusKinds.map((kind) => ({ value: kind, label: kindLabels[kind] })),
    queueKey: [...workflow.queues.map((queue) => ({ value: queue.key, label: queue.label })), { value: newQueueChoice, label: 'A new queue with this name' }],
    expectedUnit: expectedUnits,
    waitsOn: waitsOnChoices.map((waitsOn) => ({ value: waitsOn, label: waitsOnLabels[waitsOn] })),
    customerEmail: keyed(subject.customerEmails),
    fulfillmentMethod: keyed(subject.fulfillmentMethods ?? []),
    alertRoles: roles,
    after: statuses,
    onTo: statuses,
  };
}

export function transitionOptions(workflow: Workflow, subject: Subject, roles: Roles): FieldOptions<typeof transitionForm.fields> {
  const statuses = [...workflow.statuses.values()].map((status) => ({ value: status.key, label: status.label }));
  return {
    from: statuses,
    to: statuses,
    intent: transitionIntents.map((intent) => ({ value: intent, label: intentLabels[intent] })),
    roles,
    requires: keyed(subject.requirements),
  };
}

export function queueOptions(roles: Roles): FieldOptions<typeof queueForm.fields> {
  return { ownerRoles: roles };
}
