/**
 * Group commit without a timer: an item arriving while `maxInFlight` writes are running waits for the next write, which
 * takes everything that queued up meanwhile (up to `maxBatch`). Idle, an item is written at once and alone, so nothing
 * waits on a clock; under load, many items share one statement and one commit. Each caller's promise settles with its
 * own item's outcome, after the write that holds it has committed.
 */
export class GroupCommit<TItem, TResult> {
  private readonly queue: Array<{ item: TItem; resolve: (r: TResult) => void; reject: (e: unknown) => void }> = [];
  private inFlight = 0;

  constructor(
    /** Writes a batch; returns one outcome per item, in order (a value, or an Error for that item alone). */
    private readonly write: (items: TItem[]) => Promise<Array<TResult | Error>>,
    private readonly maxBatch: number,
    private readonly maxInFlight = 2,
  ) {}

  submit(item: TItem): Promise<TResult> {
    return new Promise<TResult>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      this.write(batch.map((entry) => entry.item))
        .then(
          (outcomes) => {
            batch.forEach((entry, index) => {
              const outcome = outcomes[index];
              if (outcome instanceof Error) entry.reject(outcome);
              else if (outcome === undefined) entry.reject(new Error('the write returned no outcome for this item'));
              else entry.resolve(outcome);
            });
          },
          (error: unknown) => {
            for (const entry of batch) entry.reject(error);
          },
        )
        .finally(() => {
          this.inFlight--;
          this.next();
        });
    }
  }
}
