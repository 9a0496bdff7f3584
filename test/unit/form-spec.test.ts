import t from 'tap';
import { formSpec } from '../../src/platform/form-spec.js';

const spec = formSpec({
  name: { kind: 'text', label: 'Name', max: 5, required: 'Enter a name.' },
  price: { kind: 'text', label: 'Price', max: 10, valid: (value) => /^\d+(\.\d\d)?$/.test(value), invalid: 'Enter a price like 12.50.', tooLong: 'Too long for a price.' },
  due: { kind: 'date', label: 'Due', max: 10 },
  count: { kind: 'integer', label: 'Count', min: 1, max: 9, message: 'Enter 1 to 9.', optional: true },
  colour: { kind: 'select', label: 'Colour', required: 'Choose a colour.', invalid: 'Choose a colour from the list.' },
  sizes: { kind: 'choices', label: 'Sizes', invalid: 'Choose sizes from the list.', most: 3 },
  machine: { kind: 'reference', label: 'Machine', invalid: 'Choose a machine from the list.' },
  secret: { kind: 'secret', label: 'PIN', max: 6, autocomplete: 'off' },
  urgent: { kind: 'checkbox', label: 'Urgent' },
});
const options = { colour: ['red', { value: 'blue', label: 'Blue' }], sizes: ['s', 'm', 'l'] };

t.test('reading a body: text trimmed, secrets as typed, lists de-duplicated, boxes as booleans', async (t) => {
  const values = spec.read({ name: '  Ann ', secret: ' 12 34 ', sizes: ['s', 's', ' m'], urgent: '1', colour: 'red' });
  t.same(values, { name: 'Ann', price: '', due: '', count: '', colour: 'red', sizes: ['s', 'm'], machine: '', secret: ' 12 34 ', urgent: true });
  t.same(spec.blank({ name: 'x' }).sizes, [], 'a blank choice group is an empty list');
});

t.test('each field gets its own message', async (t) => {
  const errors = spec.validate(
    { name: '', price: '12.5', due: '2027-02-30', count: '10', colour: 'green', sizes: ['xl'], machine: '-1', secret: '', urgent: false },
    { options },
  );
  t.same(errors, {
    name: 'Enter a name.',
    price: 'Enter a price like 12.50.',
    due: 'Enter a date like 2027-03-31.',
    count: 'Enter 1 to 9.',
    colour: 'Choose a colour from the list.',
    sizes: 'Choose sizes from the list.',
    machine: 'Choose a machine from the list.',
  });
  t.same(
    spec.validate({ name: 'Ann', price: '12345678901', due: '', count: '', colour: '', sizes: [], machine: '', secret: '', urgent: false }, { options }),
    { price: 'Too long for a price.', colour: 'Choose a colour.' },
    'a shop wording for too long; empty optional fields pass',
  );
  t.same(spec.validate({ name: 'Ann', price: '12.50', due: '2028-02-29', count: '3', colour: 'blue', sizes: ['l', 's'], machine: '42', secret: '', urgent: true }, { options }), {});
});

t.test('validating only some fields, and selects never validated without their options', async (t) => {
  t.same(spec.validate(spec.blank(), { only: ['name'] }), { name: 'Enter a name.' });
  t.throws(() => spec.validate(spec.blank()), /colour field's options/);
});

t.test('repeated rows read in row order and carry their own schema', async (t) => {
  const rows = formSpec({ what: { kind: 'text', label: 'What', max: 20 }, qty: { kind: 'integer', label: 'Qty', min: 1, max: 9, message: 'Enter 1 to 9.' } });
  t.same(rows.readRepeated({ row_what: ['a ', 'b'], row_qty: ['1', '2'] }, 'row_'), [
    { what: 'a', qty: '1' },
    { what: 'b', qty: '2' },
  ]);
  t.same(rows.readRepeated({ row_what: 'only', row_qty: '3' }, 'row_'), [{ what: 'only', qty: '3' }], 'a single row arrives as plain strings');
  t.same(Object.keys(rows.repeatedSchema('row_', 5)), ['row_what', 'row_qty']);
});
