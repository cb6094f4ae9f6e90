import { describe, expect, it } from '@jest/globals';
import { InsertBatcher } from './insert-batcher.js';

/** An insertAll that records each batch and answers when told to: the test decides when a "commit" ends. */
function controlledInsert(fail: (row: string) => boolean = () => false) {
  const batches: string[][] = [];
  const pending: (() => void)[] = [];
  const insertAll = (rows: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push(rows);
      pending.push(() => (rows.some(fail) ? reject(new Error(`bad row among ${rows.join(',')}`)) : resolve(rows.map((r) => `${r}!`))));
    });
  /** Lets the oldest unfinished batch finish, then lets promise callbacks run. */
  const finishOne = async () => {
    pending.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { insertAll, batches, finishOne };
}

describe('InsertBatcher', () => {
  it('sends a row at once when nothing is in flight', async () => {
    const db = controlledInsert();
    const batcher = new InsertBatcher(db.insertAll);
    const result = batcher.insert('a');
    expect(db.batches).toEqual([['a']]);
    await db.finishOne();
    await expect(result).resolves.toBe('a!');
  });

  it('groups the rows that arrive during a commit into the next statement, each caller getting its own result', async () => {
    const db = controlledInsert();
    const batcher = new InsertBatcher(db.insertAll);
    const results = ['a', 'b', 'c', 'd'].map((row) => batcher.insert(row));
    expect(db.batches).toEqual([['a']]);
    await db.finishOne();
    expect(db.batches).toEqual([['a'], ['b', 'c', 'd']]);
    await db.finishOne();
    await expect(Promise.all(results)).resolves.toEqual(['a!', 'b!', 'c!', 'd!']);
  });

  it('keeps to maxInFlight and maxRows', async () => {
    const db = controlledInsert();
    const batcher = new InsertBatcher(db.insertAll, 2, 2);
    const results = ['a', 'b', 'c', 'd', 'e', 'f'].map((row) => batcher.insert(row));
    expect(db.batches).toEqual([['a'], ['b']]);
    await db.finishOne();
    expect(db.batches).toEqual([['a'], ['b'], ['c', 'd']]);
    await db.finishOne();
    await db.finishOne();
    await db.finishOne();
    expect(db.batches.slice(3)).toEqual([['e', 'f']]);
    await expect(Promise.all(results)).resolves.toEqual(['a!', 'b!', 'c!', 'd!', 'e!', 'f!']);
  });

  it('when a grouped statement fails, retries each row alone: only the bad row fails, with its own error', async () => {
    const db = controlledInsert((row) => row === 'bad');
    const batcher = new InsertBatcher(db.insertAll);
    const first = batcher.insert('a');
    const grouped = ['b', 'bad', 'c'].map((row) =>
      batcher.insert(row).then(
        (r) => r,
        (e: Error) => e.message,
      ),
    );
    await db.finishOne();
    await db.finishOne(); // the group fails...
    expect(db.batches.slice(2)).toEqual([['b'], ['bad'], ['c']]); // ...and each row is tried alone
    await db.finishOne();
    await db.finishOne();
    await db.finishOne();
    await expect(first).resolves.toBe('a!');
    await expect(Promise.all(grouped)).resolves.toEqual(['b!', 'bad row among bad', 'c!']);
  });
});
