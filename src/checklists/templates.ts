import { sql } from 'kysely';
import type { Db, DbOrTx, Tx } from '../db/database.js';
import { inTransaction } from '../db/transaction.js';
import type { ChecklistStage, ChecklistStepKind } from '../db/types.js';
import { recordEvent, type Actor } from '../events/record.js';
import { decimalText, decimalUnits, unitsToDecimal } from '../platform/decimal.js';
import { ConflictError, HttpError, ValidationError, type FieldErrors } from '../platform/errors.js';
import { formSpec, wholeNumber, type FormValues } from '../platform/form-spec.js';

export const stages: readonly { value: ChecklistStage; label: string }[] = [
  { value: 'fabrication', label: 'Fabrication' },
  { value: 'post_processing', label: 'Post-processing' },
  { value: 'inspection', label: 'Inspection' },
];

export const stepKinds: readonly { value: ChecklistStepKind; label: string; description: string }[] = [
  { value: 'check', label: 'Step to tick off', description: 'Done or not done.' },
  { value: 'pass_fail', label: 'Pass or fail', description: 'An inspection with a verdict.' },
  { value: 'measurement', label: 'Measurement', description: 'A number, passed when it is within the limits.' },
  { value: 'photo', label: 'Photo', description: 'Done when a photo is taken.' },
];

const isDecimal = (value: string) => decimalUnits(value) !== undefined;

export const templateForm = formSpec({
  name: { kind: 'text', label: 'Name', max: 120, required: 'Name the checklist, like “Channel letters: inspection and test plan”.' },
  machineId: { kind: 'reference', label: 'Machine', placeholder: 'Any machine', invalid: 'Choose a machine from the list.' },
  materialId: { kind: 'reference', label: 'Material', placeholder: 'Any material', invalid: 'Choose a material from the list.' },
  descriptionContains: {
    kind: 'text',
    label: 'Product (the item description contains)',
    max: 120,
    hint: 'e.g. “channel letter”. Leave empty for any product.',
  },
});
export type TemplateValues = FormValues<typeof templateForm.fields>;

export const stepForm = formSpec({
  label: { kind: 'text', label: 'Step', max: 200, required: 'Say what to do or check, like “Measure the overall width”.' },
  stage: { kind: 'select', label: 'Stage', required: 'Choose the stage.', invalid: 'Choose one of the stages.' },
  kind: { kind: 'select', label: 'Kind', required: 'Choose the kind of step.', invalid: 'Choose one of the kinds.' },
  required: { kind: 'checkbox', label: 'Required before BUILT' },
  lowerLimit: { kind: 'text', label: 'Lowest acceptable', max: 20, valid: isDecimal, invalid: 'Enter a number like 23.5.', inputmode: 'decimal', note: '(measurements)' },
  upperLimit: { kind: 'text', label: 'Highest acceptable', max: 20, valid: isDecimal, invalid: 'Enter a number like 24.5.', inputmode: 'decimal', note: '(measurements)' },
  unit: { kind: 'text', label: 'Unit', max: 20, placeholder: 'in', note: '(measurements)' },
  instructions: { kind: 'textarea', label: 'Instructions', max: 2000, hint: 'What the person at the kiosk reads: how to measure, what to look for.' },
  position: { kind: 'integer', label: 'Order within its stage', min: 1, max: 1000, message: 'Enter a place from 1 to 1000.' },
});
export type StepValues = FormValues<typeof stepForm.fields>;
export const stepOptions = { stage: stages, kind: stepKinds };

export interface ChecklistTemplate {
  id: number;
  name: string;
  machineId: number | null;
  machine: string | null;
  materialId: number | null;
  material: string | null;
  descriptionContains: string;
  active: boolean;
  version: number;
  stepCount: number;
}

export interface ChecklistStep {
  id: number;
  templateId: number;
  position: number;
  stage: ChecklistStage;
  kind: ChecklistStepKind;
  label: string;
  instructions: string;
  required: boolean;
  unit: string;
  lowerLimit: string | null;
  upperLimit: string | null;
  active: boolean;
  version: number;
}

function templates(db: DbOrTx) {
  return db
    .selectFrom('checklist_templates as t')
    .leftJoin('machines as m', 'm.id', 't.machine_id')
    .leftJoin('materials as mt', 'mt.id', 't.material_id')
    .select([
      't.id',
      't.name',
      't.machine_id as machineId',
      'm.name as machine',
      't.material_id as materialId',
      'mt.name as material',
      't.description_contains as descriptionContains',
      't.active',
      't.version',
      sql<number>`(select count(*)::int from checklist_steps s where s.template_id = t.id and s.active)`.as('stepCount'),
    ]);
}

export async function listTemplates(db: DbOrTx): Promise<ChecklistTemplate[]> {
  return templates(db).orderBy('t.active', 'desc').orderBy(sql`lower(t.name)`).execute();
}

export async function templateWithSteps(db: DbOrTx, id: number): Promise<{ template: ChecklistTemplate; steps: ChecklistStep[] } | undefined> {
  const [template, steps] = await Promise.all([
    templates(db).where('t.id', '=', id).executeTakeFirst(),
    db
      .selectFrom('checklist_steps')
      .select([
        'id',
        'template_id as templateId',
        'position',
        'stage',
        'kind',
        'label',
        'instructions',
        'required',
        'unit',
        'lower_limit as lowerLimit',
        'upper_limit as upperLimit',
        'active',
        'version',
      ])
      .where('template_id', '=', id)
      .orderBy('active', 'desc')
      .orderBy(sql`array_position(array['fabrication', 'post_processing', 'inspection'], stage)`)
      .orderBy('position')
      .orderBy('id')
      .execute(),
  ]);
  return template && { template, steps };
}

/** Who a template applies to, in words: "Items on the CNC router made of 3 mm ACM". */
export function appliesTo(template: Pick<ChecklistTemplate, 'machine' | 'material' | 'descriptionContains'>): string {
  const parts = [
    template.descriptionContains ? `described as “${template.descriptionContains}”` : '',
    template.machine ? `on the ${template.machine}` : '',
    template.material ? `made of ${template.material}` : '',
  ].filter(Boolean);
  return parts.length === 0 ? 'Every item' : `Items ${parts.join(', ')}`;
}

/** The machine and material chosen exist (a retired one only if it was already chosen). */
async function checkedReferences(tx: Tx, values: TemplateValues, current?: { machineId: number | null; materialId: number | null }) {
  const errors: FieldErrors = {};
  const machineId = values.machineId === '' ? null : Number(values.machineId);
  const materialId = values.materialId === '' ? null : Number(values.materialId);
  if (machineId !== null) {
    const machine = await tx.selectFrom('machines').select('active').where('id', '=', machineId).executeTakeFirst();
    if (!machine || (!machine.active && current?.machineId !== machineId)) errors.machineId = 'Choose a machine from the list.';
  }
  if (materialId !== null) {
    const material = await tx.selectFrom('materials').select('active').where('id', '=', materialId).executeTakeFirst();
    if (!material || (!material.active && current?.materialId !== materialId)) errors.materialId = 'Choose a material from the list.';
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return { machine_id: machineId, material_id: materialId };
}

function templateColumns(values: TemplateValues) {
  const errors = templateForm.validate(values);
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return { name: values.name.trim(), description_contains: values.descriptionContains.trim() };
}

const sameName = (name: string) => (error: { code?: string }) => {
  if (error.code === '23505') throw new ValidationError({ name: `There already is a checklist called “${name}”.` });
  throw error;
};

export async function createTemplate(db: Db, actor: Actor, values: TemplateValues): Promise<number> {
  const columns = templateColumns(values);
  return inTransaction(db, async (tx) => {
    const references = await checkedReferences(tx, values);
    const created = await tx.insertInto('checklist_templates').values({ ...columns, ...references }).returning('id').executeTakeFirstOrThrow().catch(sameName(columns.name));
    await recordEvent(tx, actor, { subjectType: 'checklist_template', subjectId: created.id, action: 'created', particulars: { ...columns, ...references } });
    return created.id;
  });
}

/** Saves what a template is called and what it applies to; refused when someone saved it since the form was opened. */
export async function updateTemplate(db: Db, actor: Actor, id: number, expectedVersion: number, values: TemplateValues & { active: boolean }): Promise<void> {
  const columns = templateColumns(values);
  await inTransaction(db, async (tx) => {
    const current = await tx.selectFrom('checklist_templates').select(['version', 'machine_id as machineId', 'material_id as materialId']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!current) throw new HttpError(404, 'There is no such checklist.');
    if (current.version !== expectedVersion) throw new ConflictError('Someone else saved this checklist while you were editing. What they saved is shown; your version is in the form. Save again to replace theirs.');
    const references = await checkedReferences(tx, values, current);
    await tx
      .updateTable('checklist_templates')
      .set({ ...columns, ...references, active: values.active, version: sql<number>`version + 1` })
      .where('id', '=', id)
      .execute()
      .catch(sameName(columns.name));
    await recordEvent(tx, actor, { subjectType: 'checklist_template', subjectId: id, action: 'updated', particulars: { ...columns, ...references, active: values.active } });
  });
}

function stepColumns(values: StepValues) {
  const errors = stepForm.validate(values, { options: stepOptions });
  const measurement = values.kind === 'measurement';
  const lower = values.lowerLimit.trim(), upper = values.upperLimit.trim();
  if (measurement && !errors.lowerLimit && !errors.upperLimit) {
    if (lower === '' && upper === '') errors.lowerLimit = 'A measurement needs a lowest or a highest acceptable value (or both).';
    else if (lower !== '' && upper !== '' && decimalUnits(lower)! > decimalUnits(upper)!) errors.upperLimit = 'The highest acceptable value is below the lowest.';
  }
  if (!measurement && (lower !== '' || upper !== '')) {
    errors[lower !== '' ? 'lowerLimit' : 'upperLimit'] = 'Only a measurement has acceptable limits: clear this, or make the step a measurement.';
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  const exact = (text: string) => (text === '' ? null : unitsToDecimal(decimalUnits(text)!));
  return {
    label: values.label.trim(),
    stage: values.stage as ChecklistStage,
    kind: values.kind as ChecklistStepKind,
    required: values.required,
    lower_limit: exact(lower),
    upper_limit: exact(upper),
    unit: measurement ? values.unit.trim() : '',
    instructions: values.instructions.trim(),
    position: wholeNumber(values.position),
  };
}

export async function addStep(db: Db, actor: Actor, templateId: number, values: StepValues): Promise<number> {
  const columns = stepColumns(values);
  return inTransaction(db, async (tx) => {
    const template = await tx.selectFrom('checklist_templates').select('id').where('id', '=', templateId).forUpdate().executeTakeFirst();
    if (!template) throw new HttpError(404, 'There is no such checklist.');
    const created = await tx.insertInto('checklist_steps').values({ ...columns, template_id: templateId }).returning('id').executeTakeFirstOrThrow();
    await tx.updateTable('checklist_templates').set({ version: sql<number>`version + 1` }).where('id', '=', templateId).execute();
    await recordEvent(tx, actor, { subjectType: 'checklist_template', subjectId: templateId, action: 'step-added', particulars: { stepId: created.id, ...columns } });
    return created.id;
  });
}

/** Saves a step (or retires it: a retired step no longer applies, and what was recorded against it stays). */
export async function updateStep(db: Db, actor: Actor, templateId: number, stepId: number, expectedVersion: number, values: StepValues & { active: boolean }): Promise<void> {
  const columns = stepColumns(values);
  await inTransaction(db, async (tx) => {
    const current = await tx.selectFrom('checklist_steps').select('version').where('id', '=', stepId).where('template_id', '=', templateId).forUpdate().executeTakeFirst();
    if (!current) throw new HttpError(404, 'There is no such step.');
    if (current.version !== expectedVersion) throw new ConflictError('Someone else saved this step while you were editing. What they saved is shown; your version is in the form. Save again to replace theirs.');
    await tx.updateTable('checklist_steps').set({ ...columns, active: values.active, version: sql<number>`version + 1` }).where('id', '=', stepId).execute();
    await recordEvent(tx, actor, { subjectType: 'checklist_template', subjectId: templateId, action: 'step-updated', particulars: { stepId, ...columns, active: values.active } });
  });
}

/** A step's acceptable range in words: "23.5 – 24.5 in", "at least 2 mm". */
export function limitsText(step: { lowerLimit: string | null; upperLimit: string | null; unit: string }): string {
  const unit = step.unit ? ` ${step.unit}` : '';
  const lower = decimalText(step.lowerLimit), upper = decimalText(step.upperLimit);
  if (lower && upper) return `${lower} – ${upper}${unit}`;
  if (lower) return `at least ${lower}${unit}`;
  if (upper) return `at most ${upper}${unit}`;
  return '';
}

/** A step as its edit form shows it. */
export function stepValues(step: ChecklistStep): StepValues {
  return {
    label: step.label,
    stage: step.stage,
    kind: step.kind,
    required: step.required,
    lowerLimit: decimalText(step.lowerLimit),
    upperLimit: decimalText(step.upperLimit),
    unit: step.unit,
    instructions: step.instructions,
    position: String(step.position),
  };
}
