import type { TProperties } from 'typebox';
import type { FieldErrors } from './errors.js';
import { emailPattern, formChecked, formList, formSecret, formText } from './forms.js';
import { Form, isCalendarDate, isCanonicalId, Repeated, Text } from './schemas.js';

interface FieldBase {
  label: string;
  hint?: string;
  /** Shown after the label instead of "(optional)", for a field needed only sometimes. */
  note?: string;
}

/** A line of text (or a paragraph): trimmed, at most `max` characters, maybe required. */
export interface TextField extends FieldBase {
  kind: 'text' | 'email' | 'tel' | 'textarea' | 'date';
  max: number;
  /** The message when it is left empty; without one, the field is optional. */
  required?: string;
  /** For an email or date field, or one with a `valid` check, the message when it is not one. */
  invalid?: string;
  /** A format a filled-in value must have (a price, hours), beyond its length. */
  valid?: (value: string) => boolean;
  /** The message when it is longer than `max`, where "Use at most … characters." is not the shop's wording. */
  tooLong?: string;
  autocomplete?: string;
  /** What the empty box shows. */
  placeholder?: string;
  inputmode?: 'numeric' | 'decimal';
}

/** A password or PIN: taken exactly as typed and never drawn back into the page. */
export interface SecretField extends FieldBase {
  kind: 'secret';
  max: number;
  required?: string;
  autocomplete: 'new-password' | 'current-password' | 'off';
  inputmode?: 'numeric';
  /** Drawn as the input's minlength; the domain's own check (passwordProblem, pinProblem) gives the message. */
  minlength?: number;
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
  /** Empty is allowed (and means "none"). */
  optional?: boolean;
}

/** One value from a list the page supplies (`options`): a drop-down. */
export interface SelectField extends FieldBase {
  kind: 'select';
  /** The message when nothing is chosen; without one, "" (the first, empty option) is allowed. */
  required?: string;
  /** What the empty option says. */
  placeholder?: string;
  invalid: string;
}

/** Any number of values from a list the page supplies (`options`): a group of checkboxes. */
export interface ChoicesField extends FieldBase {
  kind: 'choices';
  /** The message when none is ticked; without one, none is allowed. */
  required?: string;
  invalid: string;
  /** The most values a body may carry (the route schema's limit). */
  most: number;
}

/**
 * A record picked from a drop-down whose list comes from the database (a customer, a machine):
 * the form checks it is an id; the domain checks the record exists, in the same transaction that uses it.
 */
export interface ReferenceField extends FieldBase {
  kind: 'reference';
  required?: string;
  /** What the empty option says. */
  placeholder?: string;
  invalid: string;
}

export type FieldSpec = TextField | SecretField | CheckboxField | IntegerField | SelectField | ChoicesField | ReferenceField;

type ValueOf<Spec extends FieldSpec> = Spec extends CheckboxField ? boolean : Spec extends ChoicesField ? string[] : string;
export type FormValues<Fields extends Record<string, FieldSpec>> = { [Name in keyof Fields]: ValueOf<Fields[Name]> };

/** A choice as the page draws it; `value` is what the body carries. */
export interface FieldOption {
  value: string;
  label: string;
  description?: string;
  /** Drawn greyed; still accepted when it is already the value (a retired machine). */
  retired?: boolean;
}
type ChoiceNames<Fields> = { [Name in keyof Fields]: Fields[Name] extends SelectField | ChoicesField ? Name : never }[keyof Fields];
/** The options of every select and choices field, for validation (values) and drawing (options). */
export type FieldOptions<Fields> = { [Name in ChoiceNames<Fields> & string]: readonly (FieldOption | string)[] };

/** An integer field's value as a number (NaN when it is not one). */
export function wholeNumber(value: string): number {
  return /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
}

/** Bodies get ten times the field's limit in the route schema: an over-long value still comes back with its message. */
const schemaRoom = 10;

function schemaOf(field: FieldSpec) {
  switch (field.kind) {
    case 'checkbox':
      return Text(10);
    case 'integer':
      return Text(30);
    case 'select':
      return Text(200);
    case 'reference':
      return Text(30);
    case 'choices':
      return Repeated(Text(200), field.most);
    default:
      return Text(field.max * schemaRoom);
  }
}

function optionValue(option: FieldOption | string): string {
  return typeof option === 'string' ? option : option.value;
}

function readField(body: unknown, name: string, field: FieldSpec): string | string[] | boolean {
  switch (field.kind) {
    case 'checkbox':
      return formChecked(body, name);
    case 'choices':
      return [...new Set(formList(body, name).map((value) => value.trim()))];
    case 'secret':
      return formSecret(body, name);
    default:
      return formText(body, name);
  }
}

function problemOf(field: FieldSpec, value: string | string[] | boolean, options: readonly (FieldOption | string)[] | undefined): string | undefined {
  switch (field.kind) {
    case 'checkbox':
      return undefined;
    case 'integer': {
      if (field.optional && value === '') return undefined;
      const number = wholeNumber(value as string);
      return number >= field.min && number <= field.max ? undefined : field.message;
    }
    case 'reference':
      if (value === '') return field.required;
      return isCanonicalId(value as string) ? undefined : field.invalid;
    case 'select': {
      if (value === '') return field.required;
      return options!.some((option) => optionValue(option) === value) ? undefined : field.invalid;
    }
    case 'choices': {
      const values = value as string[];
      if (values.length === 0) return field.required;
      return values.every((chosen) => options!.some((option) => optionValue(option) === chosen)) ? undefined : field.invalid;
    }
    default: {
      const text = value as string;
      if (text === '') return field.required;
      if (text.length > field.max) return (field.kind !== 'secret' && field.tooLong) || `Use at most ${field.max} characters.`;
      if (field.kind === 'email' && !emailPattern.test(text)) return field.invalid ?? `Enter an email address like name@example.com${field.required ? '' : ', or leave it empty'}.`;
      if (field.kind === 'date' && !isCalendarDate(text)) return field.invalid ?? 'Enter a date like 2027-03-31.';
      if (field.kind !== 'secret' && field.valid && !field.valid(text)) return field.invalid;
      return undefined;
    }
  }
}

/**
 * One form defined once: its fields drive the route's body schema, reading the body, the
 * messages beside each field, and the Eta partial that draws them (views/partials/form-fields.eta).
 * Select and choices fields take their options from the caller, both to validate and to draw.
 */
export function formSpec<Fields extends Record<string, FieldSpec>>(fields: Fields) {
  const schemaFields = Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, schemaOf(field)])) as {
    [Name in keyof Fields]: ReturnType<typeof Text>;
  };
  const names = Object.keys(fields) as (keyof Fields & string)[];
  const fieldOf = (name: string) => fields[name] as FieldSpec;
  return {
    fields,
    /** The route's body schema, with `extra` fields (a version, a return path) beside these. */
    schema<Extra extends TProperties = Record<never, never>>(extra?: Extra) {
      return Form({ ...schemaFields, ...(extra ?? ({} as Extra)) });
    },
    read(body: unknown): FormValues<Fields> {
      return Object.fromEntries(names.map((name) => [name, readField(body, name, fieldOf(name))])) as FormValues<Fields>;
    },
    /** Messages for the fields that are wrong (only those named in `only`, when given). */
    validate(values: FormValues<Fields>, context: { only?: readonly (keyof Fields & string)[]; options?: Partial<FieldOptions<Fields>> } = {}): FieldErrors {
      const errors: FieldErrors = {};
      for (const name of context.only ?? names) {
        const field = fieldOf(name);
        const options = (context.options as Record<string, readonly (FieldOption | string)[]> | undefined)?.[name];
        if ((field.kind === 'select' || field.kind === 'choices') && !options) throw new Error(`The ${name} field's options are needed to validate it.`);
        const problem = problemOf(field, values[name] as string | string[] | boolean, options);
        if (problem) errors[name] = problem;
      }
      return errors;
    },
    /** Schema properties for these fields repeated once per row (`prefix` + name, at most `most` rows), beside a form's own. */
    repeatedSchema(prefix: string, most: number): TProperties {
      return Object.fromEntries(names.map((name) => [`${prefix}${name}`, Repeated(schemaOf(fieldOf(name)), most)]));
    },
    /** The rows of a repeated group (text fields only: every row sends every field, in row order). */
    readRepeated(body: unknown, prefix: string): FormValues<Fields>[] {
      const columns = names.map((name) => formList(body, `${prefix}${name}`).map((value) => value.trim()));
      const count = Math.max(0, ...columns.map((column) => column.length));
      return Array.from({ length: count }, (_, row) => Object.fromEntries(names.map((name, column) => [name, columns[column]![row] ?? ''])) as FormValues<Fields>);
    },
    /** Empty values for a new record's form. */
    blank(overrides: Partial<FormValues<Fields>> = {}): FormValues<Fields> {
      const empty = (field: FieldSpec) => (field.kind === 'checkbox' ? false : field.kind === 'choices' ? [] : '');
      return { ...(Object.fromEntries(names.map((name) => [name, empty(fieldOf(name))])) as FormValues<Fields>), ...overrides };
    },
  };
}

export type FormSpec<Fields extends Record<string, FieldSpec>> = ReturnType<typeof formSpec<Fields>>;
