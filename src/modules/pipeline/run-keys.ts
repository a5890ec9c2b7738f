import { createHash } from 'node:crypto';
import { canonicalJson } from '../../common/serialization/canonical-json.js';
import type { LeadProfile } from './lead-merge.js';
import type { FlightRequirements } from './pipeline.types.js';

/** Keys stored by earlier versions were written without null members; equal input must keep its key. */
const KEY_JSON = { dropNulls: true } as const;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Who the lead is, for deduplication: the email when known, else the Apollo id, else the LinkedIn URL. */
export function leadIdentity(lead: LeadProfile): string | null {
  const email = lead.email?.trim().toLowerCase();
  if (email) return `email:${email}`;
  if (lead.apolloId?.trim()) return `apollo:${lead.apolloId.trim()}`;
  const linkedin = lead.linkedinUrl?.trim().toLowerCase().replace(/\/+$/, '');
  if (linkedin) return `linkedin:${linkedin}`;
  return null;
}

/** The trip, for deduplication: route, dates, time, party and category (not the budget or free text). */
export function tripIdentity(flight: FlightRequirements): string {
  return canonicalJson(
    {
      from: flight.departureAirport.toUpperCase(),
      to: flight.arrivalAirport.toUpperCase(),
      date: flight.departureDate,
      time: flight.departureTime,
      back: flight.returnDate ?? null,
      pax: flight.passengers,
      category: flight.aircraftCategory ?? null,
    },
    KEY_JSON,
  );
}

/** One open run per lead and trip. */
export function dedupeKey(lead: LeadProfile, flight: FlightRequirements): string {
  return sha256(`${leadIdentity(lead) ?? canonicalJson(lead, KEY_JSON)}|${tripIdentity(flight)}`);
}

/** Fingerprint of a submission, to tell a replay of an Idempotency-Key from a reuse with another body. */
export function requestHash(body: unknown): string {
  return sha256(canonicalJson(body, KEY_JSON));
}
