import type { QueueFilter, QueuePage } from './queue-query.js';

interface Entry {
  changeSeq: number;
  readAt: number;
  page: Promise<QueuePage>;
}

/**
 * Queue pages recently read, reused while their queue's change number stays the same.
 *
 * Every committed change to what a queue row shows bumps the queue's change number: items
 * moving (the transition function), order edits, work clocks (src/production/work-logs.ts) and
 * renames of customers, machines, materials and people (triggers). A page asks with the change
 * number it read before the rows, so a copy is never older than the number it is kept under.
 * Copies also expire after `freshForMs`, because a running work clock adds minutes without
 * a change. Concurrent requests for the same page share one read.
 */
export class QueuePageCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 300,
    private readonly freshForMs = 15_000,
  ) {}

  read(statuses: readonly string[], filter: QueueFilter, today: string, changeSeq: number, load: () => Promise<QueuePage>): Promise<QueuePage> {
    const key = JSON.stringify([statuses, filter, today]);
    const cached = this.entries.get(key);
    this.entries.delete(key);
    if (cached && cached.changeSeq === changeSeq && Date.now() - cached.readAt < this.freshForMs) {
      this.entries.set(key, cached); // now the most recently used
      return cached.page;
    }
    const page = load();
    this.entries.set(key, { changeSeq, readAt: Date.now(), page });
    page.catch(() => {
      if (this.entries.get(key)?.page === page) this.entries.delete(key);
    });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return page;
  }
}
