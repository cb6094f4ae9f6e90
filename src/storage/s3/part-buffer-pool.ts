/**
 * Reusable buffers of one part size. A part lives for as long as S3 takes to receive it, long enough for V8 to move
 * it out of the young generation; from then on a dropped part is only freed by a full GC, which buffer memory alone
 * triggers only after tens of MiB of such garbage. Reusing parts keeps RSS at what is really in flight.
 *
 * A reused buffer still holds an earlier upload's bytes: callers send `subarray(0, filled)`, never the whole buffer
 * of a partly filled part.
 */
export class PartBufferPool {
  private readonly idle: Buffer[] = [];

  /** `maxIdle`: how many returned buffers to keep; more concurrent uploads than that allocate (and drop) extra ones. */
  constructor(
    readonly partSize: number,
    private readonly maxIdle: number,
  ) {}

  take(): Buffer {
    return this.idle.pop() ?? Buffer.allocUnsafeSlow(this.partSize);
  }

  give(buffer: Buffer): void {
    if (this.idle.length < this.maxIdle) this.idle.push(buffer);
  }
}
