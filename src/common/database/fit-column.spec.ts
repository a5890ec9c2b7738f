import { describe, expect, it } from '@jest/globals';
import { fitColumn } from './fit-column.js';

describe('fitColumn', () => {
  it('leaves values that fit unchanged', () => {
    expect(fitColumn('x'.repeat(128), 128)).toBe('x'.repeat(128));
  });

  it('shortens longer values to the limit and keeps different values different', () => {
    const a = fitColumn(`${'x'.repeat(200)}a`, 128);
    const b = fitColumn(`${'x'.repeat(200)}b`, 128);
    expect(a).toHaveLength(128);
    expect(a.startsWith('x'.repeat(100))).toBe(true);
    expect(a).not.toBe(b);
  });
});
