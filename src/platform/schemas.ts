import { Type, type TProperties, type TSchema } from 'typebox';

/**
 * The shapes every route's params, query and body are checked against before a handler runs
 * (Fastify's Ajv). Schemas say what a value can be (type, length, an id's canonical form); what
 * it means (does that customer exist? is the date after the other?) stays with the domain
 * functions, which answer with a message beside the field.
 */

const int4Max = 2_147_483_647;

/** A row id in an int4 column as its one canonical spelling: "42", never "042", "4.2e1", "0x2a", " 42" or "2147483648". */
export function isCanonicalId(value: string): boolean {
  return /^[1-9]\d{0,9}$/.test(value) && Number(value) <= int4Max;
}

/** The same for bigint ids (photos, mail), up to what a JavaScript number holds exactly. */
export function isCanonicalBigId(value: string): boolean {
  return /^[1-9]\d{0,15}$/.test(value) && Number(value) <= Number.MAX_SAFE_INTEGER;
}

export function isVersion(value: string): boolean {
  return /^\d{1,10}$/.test(value) && Number(value) <= int4Max;
}

/** YYYY-MM-DD naming a day that exists, in years PostgreSQL and people both accept (0001–9999). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeapYear(year) ? 1 : 0);
  return day <= daysInMonth;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const formats: Record<string, (value: string) => boolean> = {
  id: isCanonicalId,
  'big-id': isCanonicalBigId,
  'id-or-empty': (value) => value === '' || isCanonicalId(value),
  version: isVersion,
  'calendar-date': isCalendarDate,
  'calendar-date-or-empty': (value) => value === '' || isCalendarDate(value),
};

/** Teaches Fastify's Ajv the formats above (passed as an Ajv plugin in app.ts). */
interface AjvWithFormats {
  addFormat(name: string, format: { type: 'string'; validate: (value: string) => boolean }): unknown;
}

export function addTravelerFormats<A extends AjvWithFormats>(ajv: A): A {
  for (const [name, validate] of Object.entries(formats)) ajv.addFormat(name, { type: 'string', validate });
  return ajv;
}

export const Id = Type.String({ format: 'id' });
export const BigId = Type.String({ format: 'big-id' });
/** A select whose empty choice means "none". */
export const IdOrEmpty = Type.String({ format: 'id-or-empty' });
/** The version of a record the person saw, sent back with an edit. */
export const Version = Type.String({ format: 'version' });
export const CalendarDate = Type.String({ format: 'calendar-date' });
export const CalendarDateOrEmpty = Type.String({ format: 'calendar-date-or-empty' });
/** An email link's token: what a token can look like, so junk never reaches the database. */
export const Token = Type.String({ pattern: '^[A-Za-z0-9_-]{1,100}$' });

/**
 * Free text of at most `maxLength` characters. Schemas allow more than the domain does, so an
 * over-long note still reaches the domain function and comes back with a message beside the
 * field, not a bare 400; the schema only keeps absurd sizes out.
 */
export function Text(maxLength: number) {
  return Type.String({ maxLength });
}

/** A field that may repeat (checkboxes, multi-selects, the order form's rows). */
export function Repeated<Item extends TSchema>(item: Item, maxItems: number) {
  return Type.Array(item, { maxItems });
}

export const NoParams = Type.Object({}, { additionalProperties: false });
export const IdParams = Type.Object({ id: Id });
export const BigIdParams = Type.Object({ id: BigId });
export const TokenParams = Type.Object({ token: Token });
/** No query parameters are read: any that come are dropped. */
export const NoQuery = Type.Object({}, { additionalProperties: false });

function allOptional<Fields extends TProperties>(fields: Fields) {
  return Object.fromEntries(Object.entries(fields).map(([name, schema]) => [name, Type.Optional(schema)])) as {
    [Name in keyof Fields]: ReturnType<typeof Type.Optional<Fields[Name]>>;
  };
}

/** Query parameters: each optional, and any the route does not name are dropped. */
export function Query<Fields extends TProperties>(fields: Fields) {
  return Type.Object(allOptional(fields), { additionalProperties: false });
}

/**
 * A urlencoded form: every field optional (a missing one reads as empty and gets the domain's
 * message), fields the route does not name are dropped, and the anti-forgery token may ride
 * along (an office session's `_csrf`, or a kiosk tablet's `_kiosk_csrf`).
 */
export function Form<Fields extends TProperties>(fields: Fields, tokenField: '_csrf' | '_kiosk_csrf' = '_csrf') {
  return Type.Object({ ...allOptional(fields), [tokenField]: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
}

/** A key a form carries from the page that drew it, so the same submission sent twice is done once. */
export const RequestKey = Type.String({ pattern: '^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$' });

/** A form with nothing in it but the CSRF token (buttons that just do one thing). */
export const EmptyForm = Form({});

/** A workflow key (a status or queue), or empty where the form offers "choose…". */
export const WorkflowKey = Type.String({ pattern: '^[a-z0-9_]{0,60}$' });
/** Where a move goes: a status key, or "intent:built" when the input picks among several. */
export const MoveTarget = Type.String({ pattern: '^(intent:)?[a-z0-9_]{0,60}$' });
export const QueueKeyParams = Type.Object({ key: Type.String({ pattern: '^[a-z0-9_]{1,60}$' }) });
/** A path back into Traveler sent with a form; src/platform/redirects.ts decides whether it is one. */
export const ReturnPath = Type.String({ maxLength: 4096 });

/** One of a fixed list of words (a view, a kind, a format): anything else is a 400 naming the field. */
export function OneOf<Value extends string>(values: readonly Value[]) {
  return Type.Union(values.map((value) => Type.Literal(value)));
}
