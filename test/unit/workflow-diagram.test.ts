import t from 'tap';
import type { StatusKind, TransitionIntent, TransitionRequirement } from '../../src/db/types.js';
import type { Status, Transition, Workflow } from '../../src/workflow/definition.js';
import { workflowDiagram, wrapLabel } from '../../src/workflow-editor/diagram.js';

function status(key: string, label: string, kind: StatusKind, fields: Partial<Status> = {}): Status {
  return { key, label, customerLabel: label, queueKey: kind === 'open' || kind === 'hold' ? key : null, kind, position: 0, expectedMinutes: null, expectedUnit: 'hours', waitsOn: 'shop', customerEmail: null, customerMessage: '', alertRoles: [], qualityHold: false, initial: false, fulfillmentMethod: null, ...fields };
}

let nextId = 1;
function move(from: string, to: string, intent: TransitionIntent, label: string = intent, requires: TransitionRequirement[] = []): Transition {
  return { id: nextId++, from, to, label, intent, roles: ['production'], requires, position: 0 };
}

function workflow(statuses: Status[], transitions: Transition[], key = 'production'): Workflow {
  statuses.forEach((s, index) => (s.position = index + 1));
  return {
    key,
    label: 'Production',
    subjectType: 'line_item',
    revision: 1,
    queues: statuses.filter((s) => s.queueKey).map((s, index) => ({ key: s.queueKey!, label: `${s.label} queue`, position: index, ownerRoles: [], statuses: [s.key] })),
    statuses: new Map(statuses.map((s) => [s.key, s])),
    transitions,
  };
}

/** A shop's flow with Proof approval between Pending and Work in progress, holds and cancels from every open status. */
function proofFlow(): Workflow {
  const open = ['pending', 'proof_approval', 'in_progress', 'ready'];
  return workflow(
    [
      status('pending', 'Pending', 'open', { initial: true }),
      status('proof_approval', 'Proof approval', 'open'),
      status('in_progress', 'Work in progress', 'open'),
      status('ready', 'BUILT · awaiting pickup', 'open'),
      status('picked_up', 'Picked up', 'completed'),
      status('on_hold', 'On hold', 'hold'),
      status('cancelled', 'Cancelled', 'cancelled'),
    ],
    [
      move('pending', 'proof_approval', 'advance', 'Send proof'),
      move('proof_approval', 'in_progress', 'approve', 'Approved'),
      move('in_progress', 'pending', 'back', 'Back to pending'),
      move('in_progress', 'ready', 'built', 'Mark BUILT'),
      move('ready', 'picked_up', 'complete', 'Picked up'),
      move('picked_up', 'ready', 'reopen', 'Reopen'),
      ...open.map((key) => move(key, 'on_hold', 'hold', 'Put on hold', ['reason'])),
      ...open.map((key) => move('on_hold', key, 'resume', 'Resume', ['previous_status'])),
      ...open.map((key) => move(key, 'cancelled', 'cancel', 'Cancel', ['reason'])),
      move('on_hold', 'cancelled', 'cancel', 'Cancel', ['reason']),
      move('cancelled', 'pending', 'reopen', 'Reopen'),
    ],
  );
}

function nodeX(svg: string, key: string): number {
  const match = new RegExp(`data-status="${key}"><title>[^<]*</title><rect x="([\\d.]+)" y="([\\d.]+)"`).exec(svg);
  if (!match) throw new Error(`no node for ${key}`);
  return Number(match[1]);
}

function nodeY(svg: string, key: string): number {
  return Number(new RegExp(`data-status="${key}"><title>[^<]*</title><rect x="[\\d.]+" y="([\\d.]+)"`).exec(svg)![1]);
}

t.test('every status appears once, in columns by distance from where items start', async (t) => {
  const flow = proofFlow();
  const svg = workflowDiagram(flow);
  for (const key of flow.statuses.keys()) t.equal(svg.split(`data-status="${key}"`).length - 1, 1, `${key} once`);
  t.ok(nodeX(svg, 'pending') < nodeX(svg, 'proof_approval'), 'Proof approval after Pending');
  t.ok(nodeX(svg, 'proof_approval') < nodeX(svg, 'in_progress'), 'and before Work in progress');
  t.ok(nodeX(svg, 'ready') < nodeX(svg, 'picked_up'));
  t.ok(nodeY(svg, 'on_hold') > nodeY(svg, 'in_progress') && nodeY(svg, 'cancelled') > nodeY(svg, 'in_progress'), 'hold and cancelled sit in a row below');
  t.equal(nodeY(svg, 'on_hold'), nodeY(svg, 'cancelled'));
  t.notMatch(svg, /NaN|undefined|Infinity/, 'every coordinate is a number');
});

t.test('edges: one per move, and a hold with its resume drawn as one line', async (t) => {
  const flow = proofFlow();
  const svg = workflowDiagram(flow);
  const edges = svg.match(/<g class="wf-edge[ "]/g) ?? [];
  // 6 main moves, 4 hold+resume pairs, 4 cancels from open statuses, the cancel from hold, the reopen from cancelled.
  t.equal(edges.length, 6 + 4 + 4 + 1 + 1);
  t.equal((svg.match(/<g class="wf-edge wf-edge-minor/g) ?? []).length, 9, 'hold, resume and cancel moves are the lighter ones');
  t.equal((svg.match(/marker-start=/g) ?? []).length, 4, 'each hold-and-resume pair has an arrowhead at both ends');
  t.equal((svg.match(/<path d="M[^"]+" fill="none" stroke=/g) ?? []).length, 16, 'a path per edge');
  t.match(svg, /<title>Pending → Proof approval: Send proof \(production\)<\/title>|<title>Pending &#8594; Proof approval: Send proof \(production\)<\/title>/, 'each edge says what it is');
  t.match(svg, /class="wf-edge-label">Send proof<\/text>/, 'forward moves are labelled');
  t.notMatch(svg, /class="wf-edge-label">Put on hold/, 'holds are not');
});

t.test('text is escaped and the picture is described for screen readers', async (t) => {
  const flow = workflow(
    [status('pending', '<script>alert("x")</script> & Co', 'open', { initial: true }), status('done', 'Done "quoted" \'single\'', 'completed')],
    [move('pending', 'done', 'complete', '<img src=x onerror=alert(1)>')],
  );
  const svg = workflowDiagram(flow);
  t.notMatch(svg, /<script/i);
  t.notMatch(svg, /<img/i);
  t.match(svg, /&lt;script&gt;alert\(&quot;x&quot;\)/);
  t.match(svg, /&amp; Co/);
  t.match(svg, /Done &quot;quoted&quot; &#39;single&#39;/);
  t.match(svg, /&lt;img src=x onerror=alert\(1\)&gt;/);
  t.notMatch(svg, /style=/, 'no style attributes (strict CSP)');
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="workflow-diagram" viewBox="0 0 \d+ \d+" width="\d+" height="\d+" role="img" aria-labelledby="wf-production-title wf-production-desc">/);
  t.match(svg, /<title id="wf-production-title">Production workflow: its statuses and the moves between them<\/title>/);
  t.match(svg, /<desc id="wf-production-desc">2 statuses and 1 moves between them\. New items start at/);
  t.notMatch(svg, /[^\x00-\x7f]/, 'pure ASCII, like every page');
});

t.test('odd workflows still draw: no initial status, unreachable statuses, no moves', async (t) => {
  const stranded = workflow(
    [status('a', 'A', 'open'), status('b', 'B', 'open'), status('held', 'Held', 'hold'), status('c', 'C', 'completed')],
    [move('held', 'b', 'resume', 'Resume', ['previous_status']), move('b', 'c', 'complete')],
    'odd',
  );
  const svg = workflowDiagram(stranded);
  t.notMatch(svg, /NaN|undefined|Infinity/);
  for (const key of stranded.statuses.keys()) t.equal(svg.split(`data-status="${key}"`).length - 1, 1);
  t.match(svg, /No status is marked as where new items start/);
  t.match(svg, /id="wf-odd-arrow"/, 'marker ids belong to the workflow');

  const lonely = workflowDiagram(workflow([status('only', 'Only', 'open', { initial: true })], [], 'lonely'));
  t.notMatch(lonely, /NaN|undefined|Infinity/);
  t.equal(lonely.split('data-status="only"').length - 1, 1);
});

t.test('long labels wrap onto two lines and are cut short after that', async (t) => {
  t.same(wrapLabel('Pending'), ['Pending']);
  t.same(wrapLabel('BUILT · awaiting customer pickup'), ['BUILT · awaiting customer', 'pickup']);
  const long = wrapLabel('Waiting for the customer to approve the second revision of the proof');
  t.equal(long.length, 2);
  t.match(long[1], /…$/);
  t.ok(long.every((line) => line.length <= 25));
  t.equal(wrapLabel('Supercalifragilisticexpialidocious-ly')[0]!.length, 25);
});
