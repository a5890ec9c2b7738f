/** A seeded random source that can say where it is, so a saved sandbox resumes the sequence instead of repeating it. */
export interface RandomSource {
  (): number;
  /** The generator's internal state; `mulberry32(position)` continues exactly where this source is. */
  position(): number;
}

/** A tiny, fast, seedable PRNG (mulberry32): the same seed always yields the same sequence. */
export function mulberry32(seed: number): RandomSource {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Object.assign(next, { position: () => a });
}

/** Mixes several integers into one 32-bit seed, so per-record generators can be derived from (seed, index, stream). */
export function hashInts(...values: number[]): number {
  let h = 0x811c9dc5;
  for (const value of values) {
    h = Math.imul(h ^ (value >>> 0), 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** 32-bit FNV-1a of a string, for deriving seeds from ids. */
export function hashString(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/** Helpers over a random source; kept as functions so any `() => number` works. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick() from an empty list');
  return item;
}

export function intBetween(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
