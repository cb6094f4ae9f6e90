import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { FileHandle, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSink } from './file-sink.js';

const MiB = 1024 * 1024;

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'stowage-file-sink-'))));
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A real open file whose write, writev and datasync calls are counted. */
async function countedFile(name = 'file') {
  const path = join(dir, name);
  const file = await open(path, 'a+')
    .then((handle) => handle.close())
    .then(() => open(path, 'r+'));
  const calls = { write: 0, writev: 0, datasync: 0 };
  for (const method of ['write', 'writev', 'datasync'] as const) {
    const real = file[method].bind(file) as (...args: unknown[]) => unknown;
    (file as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      calls[method]++;
      return real(...args);
    };
  }
  return { path, file, calls };
}

/** Writes `chunks` as an upload loop does: waits only when the sink asks. */
async function pour(sink: FileSink, chunks: Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    const waiting = sink.write(chunk);
    if (waiting) await waiting;
  }
  await sink.finish();
}

const split = (bytes: Buffer, size: number) =>
  Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

describe('FileSink', () => {
  it('writes the chunks in order and coalesces the ones that arrive during a write', async () => {
    const { path, file, calls } = await countedFile();
    const bytes = randomBytes(3 * MiB + 7);
    await pour(new FileSink(file), split(bytes, 4096));
    await file.close();

    expect((await readFile(path)).equals(bytes)).toBe(true);
    // 769 chunks handed over faster than the disk takes them: far fewer system calls than chunks.
    expect(calls.write + calls.writev).toBeLessThan(769 / 4);
    expect(calls.writev).toBeGreaterThan(0);
  });

  it('asks its caller to wait once 4 MiB are queued, and still writes everything', async () => {
    const { path, file } = await countedFile();
    const sink = new FileSink(file);
    const chunks = split(randomBytes(10 * MiB), MiB);

    const answers = chunks.map((chunk) => sink.write(chunk)); // never waiting: the queue grows
    // The first MiB is in flight at once; four more wait behind it before the caller is asked to.
    expect(answers.findIndex((answer) => answer !== undefined)).toBe(4);
    expect(answers[4]).toBeInstanceOf(Promise);
    await sink.finish();
    await file.close();

    expect((await readFile(path)).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('keeps each queue short once all sinks together hold 16 MiB', async () => {
    const files = await Promise.all([0, 1, 2, 3, 4].map((i) => countedFile(`busy-${i}`)));
    const sinks = files.map(({ file }) => new FileSink(file));
    const chunk = Buffer.alloc(64 * 1024, 3);
    // Four sinks fill their queues to 4 MiB without waiting (their writes are still in flight): 16 MiB in all.
    for (const sink of sinks.slice(0, 4)) for (let i = 0; i < 66; i++) void sink.write(chunk);

    const answers = [0, 1, 2, 3].map(() => sinks[4].write(chunk));
    // The first chunk is in flight at once; the fifth sink is asked to wait once 128 KiB are queued, not 4 MiB.
    expect(answers.findIndex((answer) => answer !== undefined)).toBe(2);
    await Promise.all(sinks.map((sink) => sink.finish()));
    for (const { file } of files) await file.close();
    expect((await readFile(files[4].path)).length).toBe(4 * chunk.length);
    expect((await readFile(files[0].path)).length).toBe(66 * chunk.length);
  });

  it('writes from the given position and leaves the bytes before it alone', async () => {
    const path = join(dir, 'resumed');
    await writeFile(path, 'head:');
    const file = await open(path, 'r+');
    await pour(new FileSink(file, 5), [Buffer.from('one '), Buffer.from('two '), Buffer.from('three')]);
    await file.close();

    expect(await readFile(path, 'utf8')).toBe('head:one two three');
  });

  it('starts a datasync beside the writes once 64 MiB are written', async () => {
    const { path, file, calls } = await countedFile();
    await pour(new FileSink(file), split(Buffer.alloc(70 * MiB, 1), MiB));
    await file.close();

    expect(calls.datasync).toBe(1);
    expect((await readFile(path)).length).toBe(70 * MiB);
  });

  it('completes a short write chunk by chunk', async () => {
    const { path, file } = await countedFile();
    const real = file.writev.bind(file);
    // The disk takes only the first 3 bytes of each writev (as with a signal, or a disk about to be full).
    (file as unknown as { writev: FileHandle['writev'] }).writev = ((buffers: Buffer[], position: number) =>
      real([buffers[0].subarray(0, 3)], position)) as FileHandle['writev'];
    const sink = new FileSink(file);
    const chunks = split(randomBytes(200_000), 1000);
    for (const chunk of chunks) void sink.write(chunk);
    await sink.finish();
    await file.close();

    expect((await readFile(path)).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('fails rather than spin when the file takes no bytes', async () => {
    const { file } = await countedFile();
    (file as unknown as { write: unknown }).write = () => Promise.resolve({ bytesWritten: 0 });
    const sink = new FileSink(file);
    void sink.write(Buffer.from('never written'));

    await expect(sink.finish()).rejects.toThrow('took no more bytes');
    await file.close();
  });

  it('surfaces the first write error from finish() and from the next write, and settles', async () => {
    const { file } = await countedFile();
    const sink = new FileSink(file);
    await file.close(); // every write now fails with EBADF
    void sink.write(Buffer.from('lost'));

    await expect(sink.finish()).rejects.toMatchObject({ code: 'EBADF' });
    let thrown: unknown;
    try {
      void sink.write(Buffer.from('more'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'EBADF' });
    await expect(sink.settled()).resolves.toBeUndefined();
  });
});
