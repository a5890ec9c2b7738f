import { describe, expect, it } from '@jest/globals';
import type { Rfq } from '../avainode/avinode-trips.contracts.js';
import { chooseQuote, usableQuotes } from './quote-choice.js';

const NOW = new Date('2030-01-01T12:00:00Z');

function rfq(
  id: string,
  total: number | null,
  extra: { positioning?: number; rating?: string; minutes?: number; status?: string; validUntil?: string } = {},
): Rfq {
  return {
    id,
    tripId: 'atrip-1',
    status: extra.status ?? (total === null ? 'declined' : 'quoted'),
    sentAt: NOW.toISOString(),
    answeredAt: NOW.toISOString(),
    responseMinutes: extra.minutes ?? 10,
    declineReason: total === null ? 'AIRCRAFT_NOT_AVAILABLE' : null,
    sellerCompany: { id: `op-${id}`, name: `Operator ${id}` },
    sellerContact: { name: 'Desk', email: 'desk@example.com', phone: '+1 555 0100' },
    lift: {
      id: `lift-${id}`,
      aircraftId: `ac-${id}`,
      tailNumber: `N${id}`,
      aircraftType: 'Jet',
      category: 'light_jet',
      seats: 7,
    },
    safety: { argus: null, wyvern: null, isBao: null, rating: extra.rating ?? 'ARGUS Gold' },
    latestQuote:
      total === null
        ? null
        : {
            id: `q-${id}`,
            createdAt: NOW.toISOString(),
            validUntil: extra.validUntil ?? '2030-01-03T12:00:00Z',
            total,
            currency: 'USD',
            aviquote: { positioningCost: extra.positioning ?? 0, positioningHours: 0 },
            lineItems: [],
          },
    quoteRevisions: total === null ? 0 : 1,
  };
}

const choose = (rfqs: Rfq[], budget: number | null = null, taken: string[] = []) =>
  chooseQuote({ rfqs, now: NOW, budget, taken: new Set(taken) });

describe('choosing among sellers’ quotes', () => {
  it('prefers the lower normalised total, then less positioning, a better safety rating and a faster answer', () => {
    expect(choose([rfq('1', 2_000_000), rfq('2', 1_900_000)])?.chosen.rfq.id).toBe('2');
    // 1 % cheaper but half of it is flying empty: the other wins.
    expect(choose([rfq('1', 2_000_000), rfq('2', 1_980_000, { positioning: 990_000 })])?.chosen.rfq.id).toBe('1');
    expect(
      choose([rfq('1', 2_000_000, { rating: 'unrated' }), rfq('2', 2_000_000, { rating: 'ARGUS Platinum' })])?.chosen
        .rfq.id,
    ).toBe('2');
    expect(choose([rfq('1', 2_000_000, { minutes: 300 }), rfq('2', 2_000_000, { minutes: 5 })])?.chosen.rfq.id).toBe(
      '2',
    );
  });

  it('states the reason with the figures it used', () => {
    const choice = choose([rfq('1', 2_000_000, { positioning: 200_000 }), rfq('2', 2_500_000)]);
    expect(choice?.reason).toBe(
      'best score 1.145 of 2 quote(s): Operator 1 N1 at USD 20000.00 (1.00× the cheapest), positioning USD 2000.00 ' +
        '(10 %), ARGUS Gold, answered in 10 min; next Operator 2 at USD 25000.00 (score 1.345)',
    );
  });

  it('leaves out declines, silence, expired quotes, aircraft other runs hold and quotes over the budget', () => {
    const rfqs = [
      rfq('1', null),
      rfq('2', 1_000_000, { status: 'sent' }),
      rfq('3', 1_000_000, { validUntil: '2030-01-01T11:00:00Z' }),
      rfq('4', 1_000_000),
      rfq('5', 9_000_000),
      rfq('6', 3_000_000),
    ];
    const { usable, excluded } = usableQuotes({ rfqs, now: NOW, budget: 5_000_000, taken: new Set(['ac-4']) });
    expect(usable.map((r) => r.id)).toEqual(['6']);
    expect(excluded.map((e) => e.rfqId)).toEqual(['1', '2', '3', '4', '5']);
    expect(choose(rfqs.slice(0, 2))).toBeNull();
  });
});
