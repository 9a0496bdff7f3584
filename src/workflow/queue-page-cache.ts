interface Entry {
  changeSeq: number;
  readAt: number;
  page: Promise<unknown>;
}

/**
 * Queue pages recently read, reused while their queue's change number stays the same.
 *
 * Every committed change to what a queue row shows bumps the queue's change number (see
 * src/workflow/queue-changes.ts): subjects moving (the engine), edits, work clocks and renames
 * of customers, machines, materials and people (triggers). A page asks with the change
 * number it read before the rows, so a copy is never older than the number it is kept under.
 * Copies also expire after `freshForMs`, because a running work clock adds minutes without
 * a change. Concurrent requests for the same page share one read.
 */
export class QueuePageCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxEntries = 300,
    private readonly freshForMs = 15_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The page of `workflow`'s queue showing `statuses` through `filter`, as of `today` and `changeSeq`. */
  read<Page>(workflow: string, statuses: readonly string[], filter: object, today: string, changeSeq: number, load: () => Promise<Page>): Promise<Page> {
    const key = JSON.stringify([workflow, statuses, filter, today]);
    const cached = this.entries.get(key);
    this.entries.delete(key);
    if (cached && cached.changeSeq === changeSeq && this.now() - cached.readAt < this.freshForMs) {
      this.entries.set(key, cached); // now the most recently used
      return cached.page as Promise<Page>;
    }
    const page = load();
    this.entries.set(key, { changeSeq, readAt: this.now(), page });
    page.catch(() => {
      if (this.entries.get(key)?.page === page) this.entries.delete(key);
    });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return page;
  }
}
