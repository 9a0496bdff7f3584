import t from 'tap';
import { actionChoices, type Status, type Transition, type Workflow } from '../../src/workflow/definition.js';

const status = (key: string, kind: Status['kind'] = 'open', fulfillmentMethod: Status['fulfillmentMethod'] = null): Status => ({
  key, label: key, customerLabel: key, queueKey: null, kind, position: 0, expectedMinutes: null, expectedUnit: 'hours', waitsOn: 'shop', customerEmail: null, customerMessage: '', alertRoles: [], qualityHold: false, initial: false, fulfillmentMethod,
});
let id = 0;
const move = (from: string, to: string, intent: Transition['intent'], requires: Transition['requires'] = []): Transition => ({ id: ++id, from, to, label: `${from}→${to}`, intent, roles: ['production'], requires, position: id });

const workflow: Workflow = {
  key: 'production', label: 'Production', subjectType: 'line_item', revision: 1, queues: [],
  statuses: new Map(['wip', 'a', 'b', 'pick', 'ship', 'held'].map((key) => [key, status(key, key === 'held' ? 'hold' : 'open', key === 'pick' ? 'pickup' : key === 'ship' ? 'shipping' : null)])),
  transitions: [
    move('wip', 'a', 'advance'),
    move('wip', 'b', 'advance'),
    move('wip', 'pick', 'built', ['fulfillment_method']),
    move('wip', 'ship', 'built', ['fulfillment_method']),
    move('held', 'wip', 'resume', ['previous_status']),
    move('held', 'a', 'resume', ['previous_status']),
  ],
};

t.test('one choice per move, except moves the input tells apart', async (t) => {
  t.same(actionChoices(workflow, ['wip'], ['production'], null).map((c) => c.value), ['a', 'b', 'intent:built'], 'two advances stay two buttons; the BUILT queues are one choice');
  t.same(actionChoices(workflow, ['held'], ['production'], 'a').map((c) => c.value), ['a'], 'a resume offers only the way back');
  t.same(actionChoices(workflow, ['held'], ['production']).map((c) => c.value), ['intent:resume'], 'for several items at once, resume is one choice');
  t.same(actionChoices(workflow, ['wip'], ['sales'], null), [], 'nothing for roles the moves are not for');
});
