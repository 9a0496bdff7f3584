import { renderForAnyViewer } from '../platform/views.js';
import type { Workflow } from '../workflow/definition.js';
import type { QueuePage } from './queue-query.js';

export interface QueueRowsView {
  workflow: Workflow;
  queueKey: string;
  /** The viewer's roles: they decide the row's actions. */
  roles: readonly string[];
  /** Everything else production/queue-rows shows, all fixed for a page and a queue. */
  templateData: Record<string, unknown>;
}

interface Rendered {
  workflow: Workflow;
  html: (csrfToken: string) => string;
}

const renderedRows = new WeakMap<QueuePage, Map<string, Rendered>>();

/**
 * A queue page's rows as HTML, rendered once per page read and way of showing it (queue, the
 * viewer's roles) and reused for as long as the page is (src/production/queue-page-cache.ts):
 * only the CSRF token differs between viewers. Rendering fifty rows cost more than anything else
 * on a queue page; times in status are as of the first render, at most the page's keep time old.
 */
export function queueRowsHtml(page: QueuePage, view: QueueRowsView): (csrfToken: string) => string {
  let byView = renderedRows.get(page);
  if (!byView) renderedRows.set(page, (byView = new Map()));
  const key = `${view.queueKey}\n${[...view.roles].sort().join(',')}`;
  let rendered = byView.get(key);
  if (rendered?.workflow !== view.workflow) {
    rendered = { workflow: view.workflow, html: renderForAnyViewer('production/queue-rows', { ...view.templateData, rows: page.rows }) };
    byView.set(key, rendered);
  }
  return rendered.html;
}
