import { describe, expect, it } from '@jest/globals';
import { AIRPORTS_BY_ICAO } from './airports.data.js';
import { flightTenths, greatCircleNm } from './geo.js';

function nm(from: string, to: string): number {
  return greatCircleNm(AIRPORTS_BY_ICAO.get(from)!, AIRPORTS_BY_ICAO.get(to)!);
}

describe('great-circle distance', () => {
  it.each([
    // Published great-circle distances (nm), from the same public airport reference points.
    ['KTEB', 'KPBI', 895, 910],
    ['KJFK', 'EGLL', 2980, 3000],
    ['KLAX', 'KSFO', 290, 297],
    ['KTEB', 'KVNY', 2120, 2140],
    ['KASE', 'KEGE', 20, 25],
    ['LFPB', 'LSGG', 215, 225],
  ])('%s–%s is between %d and %d nm', (from, to, min, max) => {
    const d = nm(from, to);
    expect(d).toBeGreaterThanOrEqual(min);
    expect(d).toBeLessThanOrEqual(max);
  });

  it('is symmetric and zero for the same airport', () => {
    expect(nm('KTEB', 'KPBI')).toBe(nm('KPBI', 'KTEB'));
    expect(nm('KTEB', 'KTEB')).toBe(0);
  });
});

describe('flight time', () => {
  it('is distance / cruise + 0.3 h, in tenths rounded to the nearest', () => {
    expect(flightTenths(900, 450)).toBe(23); // 2.0 + 0.3
    expect(flightTenths(870, 450)).toBe(22); // 2.233…
    expect(flightTenths(878, 450)).toBe(23); // 2.251…
    expect(flightTenths(0, 450)).toBe(0);
  });
});
