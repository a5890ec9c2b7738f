import { describe, expect, it } from '@jest/globals';
import { GroupCommit } from './group-commit.js';

/** A write the test completes by hand, recording the batches it was given. */
function manualWrite(): {
  batches: number[][];
  write: (items: number[]) => Promise<Array<string | Error>>;
  finish: (index: number) => void;
} {
  const batches: number[][] = [];
  const finishers: Array<() => void> = [];
  return {
    batches,
    write: (items) =>
      new Promise((resolve) => {
        batches.push(items);
        finishers.push(() => resolve(items.map((n) => (n < 0 ? new Error(`bad ${n}`) : `ok ${n}`))));
      }),
    finish: (index) => finishers[index]?.(),
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes an item at once when idle, and groups what arrives while writes are in flight', async () => {
    const w = manualWrite();
    const group = new GroupCommit(w.write, 100, 1);
    const first = group.submit(1);
    expect(w.batches).toEqual([[1]]);
    const rest = [2, 3, 4].map((n) => group.submit(n));
    expect(w.batches).toHaveLength(1);
    w.finish(0);
    await expect(first).resolves.toBe('ok 1');
    await settle();
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
    w.finish(1);
    await expect(Promise.all(rest)).resolves.toEqual(['ok 2', 'ok 3', 'ok 4']);
  });

  it('caps a batch at maxBatch and runs up to maxInFlight writes at once', async () => {
    const w = manualWrite();
    const group = new GroupCommit(w.write, 2, 2);
    const all = [1, 2, 3, 4, 5].map((n) => group.submit(n));
    expect(w.batches).toEqual([[1], [2]]);
    w.finish(0);
    await settle();
    expect(w.batches).toEqual([[1], [2], [3, 4]]);
    w.finish(1);
    w.finish(2);
    await settle();
    expect(w.batches.at(-1)).toEqual([5]);
    w.finish(3);
    await expect(Promise.all(all)).resolves.toEqual(['ok 1', 'ok 2', 'ok 3', 'ok 4', 'ok 5']);
  });

  it('fails only the item whose outcome is an error, and every item of a write that fails', async () => {
    const w = manualWrite();
    const group = new GroupCommit(w.write, 10, 1);
    const blocker = group.submit(0);
    const mixed = [group.submit(1), group.submit(-2), group.submit(3)];
    w.finish(0);
    await blocker;
    await settle();
    w.finish(1);
    const outcomes = await Promise.allSettled(mixed);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);

    const failing = new GroupCommit<number, string>(() => Promise.reject(new Error('database down')), 10, 1);
    await expect(Promise.allSettled([failing.submit(1), failing.submit(2)])).resolves.toMatchObject([
      { status: 'rejected', reason: new Error('database down') },
      { status: 'rejected', reason: new Error('database down') },
    ]);
  });
});
