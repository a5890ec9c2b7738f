import { describe, expect, it } from '@jest/globals';
import { AIRCRAFT_CATEGORIES, CATEGORY_PROFILES } from './aircraft-types.data.js';
import { AIRPORTS, AIRPORTS_BY_ICAO } from './airports.data.js';
import { createAvinodeState } from './avinode.state.js';
import { addDays } from './calendar.js';

const NOW = new Date('2030-03-01T12:00:00Z');
const state = createAvinodeState({ seed: 7, now: NOW });

describe('Avinode sandbox data', () => {
  it('has at least 40 airports, including every airport named in charter-domain.md, with plausible data', () => {
    expect(AIRPORTS.length).toBeGreaterThanOrEqual(40);
    const named =
      'KTEB KJFK KHPN KBOS KIAD KPBI KMIA KOPF KFLL KORD KMDW KDAL KHOU KDEN KASE KEGE KSDL KLAS KVNY KLAX KSFO KSJC ' +
      'KSEA CYYZ CYUL EGLL EGGW EGLF LFPB LSGG LIML MMMX MMSD TNCM TJSJ MYNN';
    for (const icao of named.split(' ')) expect(AIRPORTS_BY_ICAO.has(icao)).toBe(true);
    for (const a of AIRPORTS) {
      expect(a.icao).toMatch(/^[A-Z]{4}$/);
      expect(Math.abs(a.latitude)).toBeLessThanOrEqual(90);
      expect(Math.abs(a.longitude)).toBeLessThanOrEqual(180);
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone: a.timezone })).not.toThrow();
      expect(a.landingFee).toBeGreaterThan(0);
      expect(a.handlingFee).toBeGreaterThan(0);
    }
  });

  it('has at least 60 aircraft in all seven categories, rates inside the published ranges, unique tails', () => {
    const fleet = [...state.aircraft.values()];
    expect(fleet.length).toBeGreaterThanOrEqual(60);
    expect(new Set(fleet.map((a) => a.category))).toEqual(new Set(AIRCRAFT_CATEGORIES));
    expect(new Set(fleet.map((a) => a.tailNumber)).size).toBe(fleet.length);
    for (const a of fleet) {
      const profile = CATEGORY_PROFILES[a.category];
      expect(a.hourlyRate).toBeGreaterThanOrEqual(profile.minHourlyRate);
      expect(a.hourlyRate).toBeLessThanOrEqual(profile.maxHourlyRate);
      expect(AIRPORTS_BY_ICAO.has(a.homeBase)).toBe(true);
      expect(state.operators.get(a.operatorId)?.bases).toContain(a.homeBase);
      if (state.operators.get(a.operatorId)?.country === 'US') expect(a.tailNumber).toMatch(/^N\d{3}[A-Z]{2}$/);
    }
  });

  it('has at least 12 operators with certificates, audits and insurance', () => {
    expect(state.operators.size).toBeGreaterThanOrEqual(12);
    for (const op of state.operators.values()) {
      expect(op.certificate.number).not.toBe('');
      expect(op.bases.length).toBeGreaterThan(0);
      expect(op.insurance.liabilityCoverage).toBeGreaterThanOrEqual(100 * 100_000_000);
      expect(op.safety.argus ?? op.safety.wyvern ?? op.safety.isBao).not.toBeNull();
    }
    expect(
      [...state.operators.values()].filter((o) => o.certificate.type === 'Part 135').length,
    ).toBeGreaterThanOrEqual(12);
  });

  it('publishes one availability record per aircraft per day for 90 days, mostly available', () => {
    expect(state.availability.size).toBe(state.aircraft.size * 90);
    const dates = new Set([...state.availability.values()].map((r) => r.date));
    expect(Math.min(...[...dates].map((d) => Date.parse(d)))).toBe(Date.parse('2030-03-01'));
    expect(dates.has(addDays('2030-03-01', 89))).toBe(true);
    const statuses = [...state.availability.values()].map((r) => r.status);
    const share = statuses.filter((s) => s === 'available').length / statuses.length;
    expect(share).toBeGreaterThan(0.6);
    expect(share).toBeLessThan(0.95);
    expect(new Set(statuses)).toEqual(new Set(['available', 'booked', 'maintenance', 'unavailable']));
    for (const r of state.availability.values()) expect(r.updatedAtMs).toBeLessThanOrEqual(NOW.getTime());
  });

  it('has discounted empty legs in the future, flown towards the home base', () => {
    expect(state.emptyLegs.length).toBeGreaterThanOrEqual(10);
    for (const leg of state.emptyLegs) {
      expect(leg.departureDate > '2030-03-01').toBe(true);
      expect(leg.price).toBeLessThan(leg.originalPrice);
      expect(leg.price).toBe(leg.originalPrice - Math.round((leg.originalPrice * leg.discountPercent) / 100));
      expect(leg.arrivalAirport).toBe(state.aircraft.get(leg.aircraftId)?.homeBase);
    }
  });

  it('seeds bookings in every status but flown, none changed after now', () => {
    const statuses = new Set([...state.bookings.values()].map((b) => b.status));
    expect(statuses).toEqual(new Set(['pending', 'confirmed', 'completed', 'cancelled']));
    for (const b of state.bookings.values()) {
      expect(b.updatedAtMs).toBeLessThanOrEqual(NOW.getTime());
      expect(b.price.total).toBe(b.price.subtotal + b.price.taxes);
    }
  });

  it('is deterministic for a seed and different for another seed', () => {
    const again = createAvinodeState({ seed: 7, now: NOW });
    const other = createAvinodeState({ seed: 8, now: NOW });
    const tails = (s: typeof state): string[] => [...s.aircraft.values()].map((a) => a.tailNumber);
    expect(tails(again)).toEqual(tails(state));
    expect([...again.availability.values()]).toEqual([...state.availability.values()]);
    expect([...again.bookings.values()]).toEqual([...state.bookings.values()]);
    expect(tails(other)).not.toEqual(tails(state));
  });
});
