/**
 * A report made while someone waits holds a database connection until its last row is read,
 * which a slow reader can stretch to minutes. Only so many may do that at once, so that pages
 * keep their connections however many people download; the rest wait their turn for a while.
 */
export class DownloadSlots {
  private taken = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly size: number,
    private readonly waitMs = 20_000,
  ) {}

  /** A slot's release (call it once the answer has ended), or undefined when none came free in time. */
  async take(): Promise<(() => void) | undefined> {
    if (this.taken < this.size) {
      this.taken += 1;
      return this.releaser();
    }
    const granted = await new Promise<boolean>((resolve) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(grant), 1);
        resolve(false);
      }, this.waitMs);
      this.waiting.push(grant);
    });
    return granted ? this.releaser() : undefined;
  }

  get inUse(): number {
    return this.taken;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next in line, so `taken` stays as it is.
      if (next) next();
      else this.taken -= 1;
    };
  }
}
