import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { type AircraftOption, type PricedCandidate, chooseAircraft, safetyRank, shortlist } from './aircraft-choice.js';

function option(id: string, patch: Partial<AircraftOption> = {}): AircraftOption {
  return {
    aircraftId: id,
    tailNumber: `N${id}`,
    model: 'Citation XLS+',
    category: 'midsize_jet',
    seats: 8,
    rangeNm: 2000,
    distanceNm: 900,
    hourlyRate: 500_000,
    estimatedTotal: 2_000_000,
    operator: { id: 'op-1', name: 'Op', safetyRating: 'ARGUS Gold' },
    ...patch,
  };
}

function priced(id: string, total: number | null, patch: Partial<AircraftOption> = {}): PricedCandidate {
  return {
    ...option(id, patch),
    quote:
      total === null
        ? null
        : { quoteId: `q-${id}`, total, currency: 'USD', validUntil: '2030-01-01T00:00:00Z', flightHours: 2 },
    note: total === null ? 'pricing failed' : null,
  };
}

describe('aircraft choice', () => {
  it('ranks safety ratings', () => {
    expect(safetyRank('ARGUS Platinum')).toBeGreaterThan(safetyRank('ARGUS Gold+'));
    expect(safetyRank('ARGUS Gold+')).toBeGreaterThan(safetyRank('ARGUS Gold'));
    expect(safetyRank('Wyvern Wingman')).toBe(safetyRank('ARGUS Gold'));
    expect(safetyRank('IS-BAO Stage 3')).toBeGreaterThan(safetyRank('IS-BAO Stage 1'));
    expect(safetyRank('unrated')).toBe(0);
  });

  it('shortlists only fitting aircraft, cheapest estimate first', () => {
    const list = shortlist(
      [
        option('a', { estimatedTotal: 3 }),
        option('b', { estimatedTotal: 1, seats: 4 }),
        option('c', { estimatedTotal: 2 }),
        option('d', { estimatedTotal: 1, rangeNm: 500 }),
        option('e', { estimatedTotal: 4, category: 'heavy_jet' }),
        option('f', { estimatedTotal: 5 }),
      ],
      { passengers: 6, category: 'midsize_jet' },
      3,
    );
    expect(list.map((o) => o.aircraftId)).toEqual(['c', 'a', 'f']);
  });

  it('chooses the lowest quote, not the lowest estimate, and explains it', () => {
    const choice = chooseAircraft([priced('a', 30_000_00), priced('b', 25_000_00), priced('c', null)]);
    expect(choice?.chosen.aircraftId).toBe('b');
    expect(choice?.reason).toContain('lowest quoted total USD 25000.00 among 2 priced candidates');
    expect(choice?.candidates.find((c) => c.aircraftId === 'c')?.note).toBe('pricing failed');
  });

  it('breaks ties by safety rating, then operator id', () => {
    const bySafety = chooseAircraft([
      priced('a', 100, { operator: { id: 'op-1', name: 'A', safetyRating: 'ARGUS Gold' } }),
      priced('b', 100, { operator: { id: 'op-2', name: 'B', safetyRating: 'ARGUS Platinum' } }),
    ]);
    expect(bySafety?.chosen.aircraftId).toBe('b');
    expect(bySafety?.reason).toContain('safety rating');
    const byOperator = chooseAircraft([
      priced('a', 100, { operator: { id: 'op-9', name: 'A', safetyRating: 'ARGUS Gold' } }),
      priced('b', 100, { operator: { id: 'op-2', name: 'B', safetyRating: 'ARGUS Gold' } }),
    ]);
    expect(byOperator?.chosen.aircraftId).toBe('b');
    expect(byOperator?.reason).toContain('operator id');
  });

  it('respects the budget and returns null when nothing qualifies', () => {
    expect(chooseAircraft([priced('a', 500), priced('b', 900)], 600)?.chosen.aircraftId).toBe('a');
    expect(chooseAircraft([priced('a', 500)], 400)).toBeNull();
    expect(chooseAircraft([priced('a', null)])).toBeNull();
  });

  it('property: the choice has the minimal total and does not depend on input order', () => {
    const candidate = fc.record({
      id: fc.string({ minLength: 1, maxLength: 3 }),
      total: fc.integer({ min: 1, max: 5 }),
      op: fc.constantFrom('op-1', 'op-2', 'op-3'),
      rating: fc.constantFrom('ARGUS Gold', 'ARGUS Platinum', 'unrated'),
    });
    fc.assert(
      fc.property(fc.uniqueArray(candidate, { minLength: 1, maxLength: 6, selector: (c) => c.id }), (list) => {
        const built = list.map((c) =>
          priced(c.id, c.total, { operator: { id: c.op, name: c.op, safetyRating: c.rating } }),
        );
        const a = chooseAircraft(built);
        const b = chooseAircraft([...built].reverse());
        expect(a?.chosen.aircraftId).toBe(b?.chosen.aircraftId);
        expect(a?.chosen.quote?.total).toBe(Math.min(...list.map((c) => c.total)));
      }),
    );
  });

  it('passes over aircraft another run already requested, unless every candidate is taken', () => {
    const candidates = [priced('a', 1_000_000), priced('b', 1_200_000), priced('c', 1_500_000)];
    const spread = chooseAircraft(candidates, null, new Set(['a']));
    expect(spread?.chosen.aircraftId).toBe('b');
    expect(spread?.candidates.find((c) => c.aircraftId === 'a')?.note).toMatch(/already requested by another run/);
    expect(spread?.reason).toMatch(/1 cheaper or equal candidate passed over/);
    const allTaken = chooseAircraft(candidates, null, new Set(['a', 'b', 'c']));
    expect(allTaken?.chosen.aircraftId).toBe('a');
    expect(allTaken?.reason).toMatch(/every candidate is already requested/);
    expect(chooseAircraft(candidates)?.chosen.aircraftId).toBe('a');
  });
});
