/**
 * Group commit for single-row inserts: rows that arrive while earlier batches are still in flight go out together,
 * as one statement in one transaction, so a burst of uploads shares one round trip and one commit (one WAL flush)
 * instead of paying one each. With nothing in flight a row is sent at once, so an idle service adds no delay.
 *
 * If a batch fails, each of its rows is retried on its own, so that a row's error (a duplicate id, say) reaches only
 * the caller who sent it. Nothing is kept beyond the rows waiting for the next round trip: a second instance needs
 * nothing from this one.
 */
export class InsertBatcher<Row, Result> {
  private waiting: { row: Row; resolve: (result: Result) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;

  /**
   * @param insertAll inserts all rows in one statement and answers one result per row, in the rows' order.
   * @param maxInFlight batches sent at once (each holds a pool connection through its commit).
   * @param maxRows the most rows in one statement.
   */
  constructor(
    private readonly insertAll: (rows: Row[]) => Promise<Result[]>,
    private readonly maxInFlight = 1,
    private readonly maxRows = 64,
  ) {}

  insert(row: Row): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ row, resolve, reject });
      this.sendWhileRoom();
    });
  }

  private sendWhileRoom(): void {
    while (this.waiting.length > 0 && this.inFlight < this.maxInFlight) {
      const batch = this.waiting.splice(0, this.maxRows);
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.sendWhileRoom();
      });
    }
  }

  private async send(batch: typeof this.waiting): Promise<void> {
    try {
      const results = await this.insertAll(batch.map((entry) => entry.row));
      batch.forEach((entry, i) => entry.resolve(results[i]));
    } catch (error) {
      if (batch.length === 1) batch[0].reject(error);
      else await Promise.all(batch.map((entry) => this.insertAll([entry.row]).then(([result]) => entry.resolve(result), entry.reject)));
    }
  }
}
