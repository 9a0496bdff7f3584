import type { StatusKind } from '../db/types.js';
import { escapeHtml } from '../platform/views.js';
import type { Status, Transition, Workflow } from '../workflow/definition.js';

/**
 * The workflow as an SVG state diagram, drawn on the server. Open and completed statuses stand
 * in columns by their distance from where items start; on-hold and cancelled statuses, which
 * nearly every status can reach, sit in a row below so their many moves stay out of the way.
 * Hold, resume and cancel moves are drawn lighter, and a pair of them going both ways as one
 * line with two arrowheads.
 */

const nodeWidth = 196;
const nodeHeight = 56;
const columnGap = 112;
const rowGap = 26;
const sideRowGap = 84;
const marginX = 44;
const marginY = 36;
const charsPerLine = 25;

const kindColors: Record<StatusKind, { fill: string; stroke: string }> = {
  open: { fill: '#eff8ff', stroke: '#175cd3' },
  hold: { fill: '#fffaeb', stroke: '#b54708' },
  completed: { fill: '#ecfdf3', stroke: '#067647' },
  cancelled: { fill: '#f2f4f7', stroke: '#667085' },
};
const kindNames: Record<StatusKind, string> = { open: 'open', hold: 'on hold', completed: 'completed', cancelled: 'cancelled' };
const minorIntents = new Set(['hold', 'resume', 'cancel']);
const mainColor = '#344054';
const minorColor = '#98a2b3';

type Side = 'top' | 'bottom' | 'left' | 'right';

interface Node {
  status: Status;
  x: number;
  y: number;
  column: number;
  inSideRow: boolean;
}

interface Point {
  x: number;
  y: number;
}

interface Edge {
  transitions: Transition[];
  from: Node;
  to: Node;
  fromSide: Side;
  toSide: Side;
  minor: boolean;
  /** Both ways: one line with an arrowhead at each end. */
  twoWay: boolean;
  bend: number;
  start?: Point;
  end?: Point;
}

const escape = (text: string | number) => escapeHtml(text);

function inSideRow(status: Status): boolean {
  return status.kind === 'hold' || status.kind === 'cancelled';
}

/** Shortest number of moves from where items start, over the moves between the given statuses. */
function distances(workflow: Workflow, among: (status: Status) => boolean): Map<string, number> {
  const distance = new Map<string, number>();
  const waiting: string[] = [];
  for (const status of workflow.statuses.values()) {
    if (status.initial && among(status)) {
      distance.set(status.key, 0);
      waiting.push(status.key);
    }
  }
  while (waiting.length > 0) {
    const from = waiting.shift()!;
    for (const transition of workflow.transitions) {
      const to = workflow.statuses.get(transition.to);
      if (transition.from !== from || transition.requires.includes('previous_status') || !to || !among(to) || distance.has(to.key)) continue;
      distance.set(to.key, distance.get(from)! + 1);
      waiting.push(to.key);
    }
  }
  return distance;
}

function placeNodes(workflow: Workflow): { nodes: Map<string, Node>; width: number; height: number } {
  const statuses = [...workflow.statuses.values()].sort((a, b) => a.position - b.position || a.key.localeCompare(b.key));
  const mainStatuses = statuses.filter((status) => !inSideRow(status));
  const alongMain = distances(workflow, (status) => !inSideRow(status));
  const alongAll = distances(workflow, () => true);
  const lastColumn = Math.max(0, ...alongMain.values());
  const columnOf = (status: Status) => alongMain.get(status.key) ?? alongAll.get(status.key) ?? lastColumn + 1;
  const byDistance = new Map<number, Status[]>();
  for (const status of mainStatuses) byDistance.set(columnOf(status), [...(byDistance.get(columnOf(status)) ?? []), status]);
  const columns = [...byDistance.entries()].sort(([a], [b]) => a - b).map(([, column]) => column);
  const tallest = Math.max(1, ...columns.map((column) => column.length));
  const mainHeight = tallest * nodeHeight + (tallest - 1) * rowGap;
  const nodes = new Map<string, Node>();
  columns.forEach((column, index) => {
    const top = marginY + (mainHeight - (column.length * nodeHeight + (column.length - 1) * rowGap)) / 2;
    column.forEach((status, row) => {
      nodes.set(status.key, { status, x: marginX + index * (nodeWidth + columnGap), y: top + row * (nodeHeight + rowGap), column: index, inSideRow: false });
    });
  });

  // Each side-row status under the middle of the statuses it is linked with, without overlaps.
  const sideStatuses = statuses.filter(inSideRow);
  const sideY = marginY + (nodes.size > 0 ? mainHeight + sideRowGap : 0);
  const wanted = sideStatuses.map((status, order) => {
    const linked = workflow.transitions
      .filter((t) => t.from === status.key || t.to === status.key)
      .map((t) => nodes.get(t.from === status.key ? t.to : t.from))
      .filter((node): node is Node => node !== undefined);
    const x = linked.length > 0 ? linked.reduce((sum, node) => sum + node.x, 0) / linked.length : marginX + order * (nodeWidth + columnGap);
    return { status, x };
  });
  wanted.sort((a, b) => a.x - b.x || a.status.position - b.status.position);
  let nextFree = marginX;
  for (const { status, x } of wanted) {
    const placedX = Math.max(x, nextFree);
    nodes.set(status.key, { status, x: placedX, y: sideY, column: -1, inSideRow: true });
    nextFree = placedX + nodeWidth + columnGap / 2;
  }

  const right = Math.max(marginX + nodeWidth, ...[...nodes.values()].map((node) => node.x + nodeWidth));
  const bottom = Math.max(marginY + nodeHeight, ...[...nodes.values()].map((node) => node.y + nodeHeight));
  return { nodes, width: Math.ceil(right + marginX), height: Math.ceil(bottom + marginY) };
}

function sidesFor(from: Node, to: Node): { fromSide: Side; toSide: Side; bend: number } {
  if (from.inSideRow && to.inSideRow) return { fromSide: 'bottom', toSide: 'bottom', bend: 48 };
  if (from.inSideRow) return { fromSide: 'top', toSide: 'bottom', bend: 0 };
  if (to.inSideRow) return { fromSide: 'bottom', toSide: 'top', bend: 0 };
  const span = to.column - from.column;
  if (span === 1) return { fromSide: 'right', toSide: 'left', bend: 0 };
  if (span === -1) return { fromSide: 'left', toSide: 'right', bend: 0 };
  if (span === 0) return { fromSide: 'right', toSide: 'right', bend: 56 };
  // Longer moves arc over the columns between, forwards and backwards alike.
  return { fromSide: 'top', toSide: 'top', bend: 36 + 18 * Math.abs(span) };
}

function buildEdges(workflow: Workflow, nodes: Map<string, Node>): Edge[] {
  const edges: Edge[] = [];
  const minorPairs = new Map<string, Edge>();
  for (const transition of workflow.transitions) {
    const from = nodes.get(transition.from);
    const to = nodes.get(transition.to);
    if (!from || !to) continue;
    const minor = minorIntents.has(transition.intent);
    if (minor) {
      const pair = [transition.from, transition.to].sort().join('\n');
      const known = minorPairs.get(pair);
      if (known) {
        known.transitions.push(transition);
        if (known.from !== from) known.twoWay = true;
        continue;
      }
      const edge: Edge = { transitions: [transition], from, to, minor, twoWay: false, ...sidesFor(from, to) };
      minorPairs.set(pair, edge);
      edges.push(edge);
      continue;
    }
    edges.push({ transitions: [transition], from, to, minor, twoWay: false, ...sidesFor(from, to) });
  }
  return edges;
}

function center(node: Node): Point {
  return { x: node.x + nodeWidth / 2, y: node.y + nodeHeight / 2 };
}

/** Spreads the ends meeting one side of a node along it, in the order of where they come from. */
function assignPorts(edges: Edge[]): void {
  const ends = new Map<string, { edge: Edge; atStart: boolean; other: Point }[]>();
  for (const edge of edges) {
    for (const atStart of [true, false]) {
      const node = atStart ? edge.from : edge.to;
      const side = atStart ? edge.fromSide : edge.toSide;
      const key = `${node.status.key}\n${side}`;
      const list = ends.get(key) ?? [];
      list.push({ edge, atStart, other: center(atStart ? edge.to : edge.from) });
      ends.set(key, list);
    }
  }
  for (const [key, list] of ends) {
    const side = key.split('\n')[1] as Side;
    const horizontal = side === 'top' || side === 'bottom';
    // Between the same two nodes, the rightward move runs above the one coming back, so they never cross.
    const rightward = (edge: Edge) => Number(edge.fromSide === 'right' && edge.toSide === 'left');
    list.sort((a, b) => (horizontal ? a.other.x - b.other.x : a.other.y - b.other.y) || rightward(b.edge) - rightward(a.edge));
    list.forEach((end, index) => {
      const node = end.atStart ? end.edge.from : end.edge.to;
      const share = (index + 1) / (list.length + 1);
      const point =
        side === 'top'
          ? { x: node.x + nodeWidth * share, y: node.y }
          : side === 'bottom'
            ? { x: node.x + nodeWidth * share, y: node.y + nodeHeight }
            : { x: side === 'left' ? node.x : node.x + nodeWidth, y: node.y + nodeHeight * (0.15 + 0.7 * share) };
      if (end.atStart) end.edge.start = point;
      else end.edge.end = point;
    });
  }
}

const outward: Record<Side, Point> = { top: { x: 0, y: -1 }, bottom: { x: 0, y: 1 }, left: { x: -1, y: 0 }, right: { x: 1, y: 0 } };

function controlPoints(edge: Edge): [Point, Point, Point, Point] {
  const start = edge.start!;
  const end = edge.end!;
  const reach = edge.bend || Math.max(28, Math.hypot(end.x - start.x, end.y - start.y) * 0.4);
  const a = outward[edge.fromSide];
  const b = outward[edge.toSide];
  return [start, { x: start.x + a.x * reach, y: start.y + a.y * reach }, { x: end.x + b.x * reach, y: end.y + b.y * reach }, end];
}

const round = (value: number) => Math.round(value * 10) / 10;

function pathData([p0, p1, p2, p3]: [Point, Point, Point, Point]): string {
  return `M${round(p0.x)},${round(p0.y)} C${round(p1.x)},${round(p1.y)} ${round(p2.x)},${round(p2.y)} ${round(p3.x)},${round(p3.y)}`;
}

function midpoint([p0, p1, p2, p3]: [Point, Point, Point, Point]): Point {
  return { x: (p0.x + 3 * p1.x + 3 * p2.x + p3.x) / 8, y: (p0.y + 3 * p1.y + 3 * p2.y + p3.y) / 8 };
}

/** A label in at most two lines of about `charsPerLine` characters, cut short with "…". */
export function wrapLabel(label: string): string[] {
  const words = label.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    const candidate = line ? `${line} ${word}` : word;
    if (candidate.length <= charsPerLine || line === '') line = candidate;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  const shown = lines.slice(0, 2).map((text) => (text.length > charsPerLine ? `${text.slice(0, charsPerLine - 1)}…` : text));
  if (lines.length > 2) shown[1] = `${shown[1]!.slice(0, charsPerLine - 1).replace(/…$/, '')}…`;
  return shown.length > 0 ? shown : [''];
}

function drawNode(node: Node, workflow: Workflow): string {
  const { status } = node;
  const colors = kindColors[status.kind];
  const queue = workflow.queues.find((q) => q.key === status.queueKey);
  const lines = wrapLabel(status.label);
  const cx = node.x + nodeWidth / 2;
  const subline = queue ? `Queue: ${queue.label}` : kindNames[status.kind];
  const firstBaseline = node.y + (lines.length === 1 ? 25 : 19);
  const title = `${status.label} (${kindNames[status.kind]}${queue ? `, queue “${queue.label}”` : ''}${status.initial ? ', new items start here' : ''})`;
  const parts = [
    `<g class="wf-node wf-kind-${status.kind}" data-status="${escape(status.key)}">`,
    `<title>${escape(title)}</title>`,
    `<rect x="${round(node.x)}" y="${round(node.y)}" width="${nodeWidth}" height="${nodeHeight}" rx="9" fill="${colors.fill}" stroke="${colors.stroke}" stroke-width="${status.initial ? 2.5 : 1.5}"/>`,
    ...lines.map(
      (line, index) =>
        `<text x="${round(cx)}" y="${round(firstBaseline + index * 15)}" text-anchor="middle" font-size="13" font-weight="600" fill="#101828">${escape(line)}</text>`,
    ),
    `<text x="${round(cx)}" y="${round(node.y + nodeHeight - 9)}" text-anchor="middle" font-size="10.5" fill="#475467">${escape(subline.length > 34 ? `${subline.slice(0, 33)}…` : subline)}</text>`,
  ];
  if (status.initial) {
    const y = round(node.y + nodeHeight / 2);
    parts.push(
      `<circle cx="${round(node.x - 26)}" cy="${y}" r="5" fill="${mainColor}"/>`,
      `<path d="M${round(node.x - 21)},${y} H${round(node.x - 2)}" stroke="${mainColor}" stroke-width="1.5" fill="none" marker-end="url(#wf-${workflow.key}-arrow)"/>`,
    );
  }
  parts.push('</g>');
  return parts.join('');
}

function edgeTitle(edge: Edge, workflow: Workflow): string {
  return edge.transitions
    .map((t) => `${workflow.statuses.get(t.from)?.label ?? t.from} → ${workflow.statuses.get(t.to)?.label ?? t.to}: ${t.label} (${t.roles.join(', ')})`)
    .join('; ');
}

function drawEdge(edge: Edge, workflow: Workflow): string {
  const points = controlPoints(edge);
  const marker = `wf-${workflow.key}-arrow${edge.minor ? '-minor' : ''}`;
  const color = edge.minor ? minorColor : mainColor;
  const intents = [...new Set(edge.transitions.map((t) => t.intent))].map((intent) => `wf-intent-${intent}`).join(' ');
  const path =
    `<path d="${pathData(points)}" fill="none" stroke="${color}" stroke-width="${edge.minor ? 1 : 1.5}"` +
    `${edge.minor ? ' stroke-dasharray="4 3"' : ''} marker-end="url(#${marker})"${edge.twoWay ? ` marker-start="url(#${marker}-start)"` : ''}/>`;
  return `<g class="wf-edge${edge.minor ? ' wf-edge-minor' : ''} ${intents}"><title>${escape(edgeTitle(edge, workflow))}</title>${path}</g>`;
}

/** Forward moves are named beside their line; several from one status with one name (four “Mark BUILT”), once. */
function edgeLabels(edges: Edge[]): string[] {
  const groups = new Map<string, { text: string; middles: Point[] }>();
  for (const edge of edges) {
    if (edge.minor || edge.fromSide !== 'right' || edge.toSide !== 'left') continue;
    const text = edge.transitions[0]!.label;
    const key = `${edge.from.status.key}\n${text}`;
    const group = groups.get(key) ?? { text, middles: [] };
    group.middles.push(midpoint(controlPoints(edge)));
    groups.set(key, group);
  }
  return [...groups.values()].map(({ text, middles }) => {
    const top = middles.reduce((highest, middle) => (middle.y < highest.y ? middle : highest));
    const shown = text.length > 22 ? `${text.slice(0, 21)}…` : text;
    return `<text x="${round(top.x)}" y="${round(top.y - 5)}" text-anchor="middle" font-size="10.5" fill="${mainColor}" stroke="#ffffff" stroke-width="3" paint-order="stroke" class="wf-edge-label">${escape(shown)}</text>`;
  });
}

function markers(workflow: Workflow): string {
  const define = (id: string, color: string, start: boolean) =>
    `<marker id="${id}" viewBox="0 0 10 10" refX="${start ? 0 : 10}" refY="5" markerWidth="7" markerHeight="7" orient="auto">` +
    `<path d="${start ? 'M10,0 L0,5 L10,10 z' : 'M0,0 L10,5 L0,10 z'}" fill="${color}"/></marker>`;
  const base = `wf-${workflow.key}-arrow`;
  return `<defs>${define(base, mainColor, false)}${define(`${base}-start`, mainColor, true)}${define(`${base}-minor`, minorColor, false)}${define(`${base}-minor-start`, minorColor, true)}</defs>`;
}

/** The SVG, to be put in the page as is: every text in it is escaped here. */
export function workflowDiagram(workflow: Workflow): string {
  const { nodes, width, height } = placeNodes(workflow);
  const edges = buildEdges(workflow, nodes);
  assignPorts(edges);
  const initial = [...workflow.statuses.values()].filter((status) => status.initial).map((status) => `“${status.label}”`);
  const titleId = `wf-${workflow.key}-title`;
  const descId = `wf-${workflow.key}-desc`;
  const description =
    `${workflow.statuses.size} statuses and ${workflow.transitions.length} moves between them. ` +
    (initial.length > 0 ? `New items start at ${initial.join(', ')}. ` : 'No status is marked as where new items start. ') +
    'The tables below list every status and move.';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="workflow-diagram" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${titleId} ${descId}">`,
    `<title id="${titleId}">${escape(`${workflow.label} workflow: its statuses and the moves between them`)}</title>`,
    `<desc id="${descId}">${escape(description)}</desc>`,
    markers(workflow),
    ...edges.filter((edge) => edge.minor).map((edge) => drawEdge(edge, workflow)),
    ...edges.filter((edge) => !edge.minor).map((edge) => drawEdge(edge, workflow)),
    ...[...nodes.values()].map((node) => drawNode(node, workflow)),
    ...edgeLabels(edges),
    '</svg>',
  ].join('\n');
}
