import { describe, expect, it } from '@jest/globals';
import { type StreamFindings, overallScore, streamScore } from './consistency-score.js';

const clean: StreamFindings = {
  checked: true,
  compared: 1000,
  missingHere: 0,
  missingThere: 0,
  fieldMismatch: 0,
  orphans: 0,
  stale: 0,
};

describe('consistency score', () => {
  it('is 100 for streams that agree with their upstream', () => {
    expect(streamScore(clean)).toBe(100);
    expect(overallScore([clean, { ...clean, compared: 3 }])).toBe(100);
  });

  it('drops by the share of records with a problem', () => {
    expect(streamScore({ ...clean, fieldMismatch: 1 })).toBe(99.9);
    expect(streamScore({ ...clean, missingHere: 10, missingThere: 5, orphans: 5 })).toBe(98);
  });

  it('counts stale records half', () => {
    expect(streamScore({ ...clean, stale: 1000 })).toBe(50);
  });

  it('is 0 for a stream that could not be checked, and never below 0', () => {
    expect(streamScore({ ...clean, checked: false })).toBe(0);
    expect(streamScore({ ...clean, compared: 2, missingHere: 5 })).toBe(0);
  });

  it('averages streams with equal weight', () => {
    expect(overallScore([clean, { ...clean, checked: false }])).toBe(50);
    expect(overallScore([])).toBe(100);
  });
});
