import type { TProperties } from 'typebox';
import type { FieldErrors } from './errors.js';
import { emailPattern, formChecked, formText } from './forms.js';
import { Form, Text } from './schemas.js';

interface FieldBase {
  label: string;
  hint?: string;
}

/** A line of text (or a paragraph): trimmed, at most `max` characters, maybe required. */
export interface TextField extends FieldBase {
  kind: 'text' | 'email' | 'tel' | 'textarea';
  max: number;
  /** The message when it is left empty; without one, the field is optional. */
  required?: string;
  /** For an email field, the message when it is not an address. */
  invalid?: string;
  autocomplete?: string;
}

export interface CheckboxField extends FieldBase {
  kind: 'checkbox';
  /** Drawn as an on/off switch. */
  switch?: boolean;
}

/** A whole number from `min` to `max`, kept as typed until it is one. */
export interface IntegerField extends FieldBase {
  kind: 'integer';
  min: number;
  max: number;
  /** The message when it is empty, not a whole number, or out of range. */
  message: string;
}

export type FieldSpec = TextField | CheckboxField | IntegerField;

type ValueOf<Spec extends FieldSpec> = Spec extends CheckboxField ? boolean : string;

/** An integer field's value as a number (NaN when it is not one). */
export function wholeNumber(value: string): number {
  return /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
}
export type FormValues<Fields extends Record<string, FieldSpec>> = { [Name in keyof Fields]: ValueOf<Fields[Name]> };

/** Bodies get ten times the field's limit in the route schema: an over-long value still comes back with its message. */
const schemaRoom = 10;

/**
 * One form defined once: its fields drive the route's body schema, reading the body, the
 * messages beside each field, and the Eta partial that draws them (views/partials/form-fields.eta).
 */
export function formSpec<Fields extends Record<string, FieldSpec>>(fields: Fields) {
  const schemaFields = Object.fromEntries(
    Object.entries(fields).map(([name, field]) => [name, field.kind === 'checkbox' ? Text(10) : field.kind === 'integer' ? Text(30) : Text(field.max * schemaRoom)]),
  ) as { [Name in keyof Fields]: ReturnType<typeof Text> };
  return {
    fields,
    /** The route's body schema, with `extra` fields (a version, a return path) beside these. */
    schema<Extra extends TProperties = Record<never, never>>(extra?: Extra) {
      return Form({ ...schemaFields, ...(extra ?? ({} as Extra)) });
    },
    read(body: unknown): FormValues<Fields> {
      return Object.fromEntries(
        Object.entries(fields).map(([name, field]) => [name, field.kind === 'checkbox' ? formChecked(body, name) : formText(body, name)]),
      ) as FormValues<Fields>;
    },
    validate(values: FormValues<Fields>, only?: readonly (keyof Fields & string)[]): FieldErrors {
      const errors: FieldErrors = {};
      for (const [name, field] of Object.entries(fields)) {
        if (only && !only.includes(name)) continue;
        if (field.kind === 'checkbox') continue;
        const value = values[name] as string;
        if (field.kind === 'integer') {
          const number = wholeNumber(value);
          if (!(number >= field.min && number <= field.max)) errors[name] = field.message;
          continue;
        }
        if (value === '') {
          if (field.required) errors[name] = field.required;
        } else if (value.length > field.max) errors[name] = `Use at most ${field.max} characters.`;
        else if (field.kind === 'email' && !emailPattern.test(value)) errors[name] = field.invalid ?? `Enter an email address like name@example.com${field.required ? '' : ', or leave it empty'}.`;
      }
      return errors;
    },
    /** Empty values for a new record's form. */
    blank(overrides: Partial<FormValues<Fields>> = {}): FormValues<Fields> {
      return { ...(Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, field.kind === 'checkbox' ? false : ''])) as FormValues<Fields>), ...overrides };
    },
  };
}
