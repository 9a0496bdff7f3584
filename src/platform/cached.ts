/**
 * A value loaded at most once per `ttlMs` per app instance, for small lists that every page
 * shows and that rarely change (machines, materials, people). This instance forgets it at once
 * when it changes the data; another instance sees the change within the TTL.
 */
export class Cached<T> {
  private value: Promise<T> | undefined;
  private loadedAt = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly load: () => Promise<T>,
  ) {}

  get(): Promise<T> {
    if (!this.value || Date.now() - this.loadedAt > this.ttlMs) {
      this.loadedAt = Date.now();
      this.value = this.load().catch((error: unknown) => {
        this.value = undefined;
        throw error;
      });
    }
    return this.value;
  }

  invalidate(): void {
    this.value = undefined;
  }
}
