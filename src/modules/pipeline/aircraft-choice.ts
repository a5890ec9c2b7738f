/**
 * Choosing the aircraft: from the search results keep those that fit (seats, range, category, hourly budget), price the
 * best few by the search's own estimate, then choose the lowest quoted total. Ties are broken, in order, by the
 * operator's safety rating (ARGUS Platinum > Gold+ > Gold = Wyvern Wingman > IS-BAO stage 3 > 2 > 1 > unrated), then
 * by operator id, then by aircraft id, so the same inputs always give the same choice.
 */
export interface AircraftOption {
  aircraftId: string;
  tailNumber: string;
  model: string;
  category: string;
  seats: number;
  rangeNm: number;
  distanceNm: number;
  hourlyRate: number;
  estimatedTotal: number;
  operator: { id: string; name: string; safetyRating: string };
}

export interface QuoteSummary {
  quoteId: string;
  total: number;
  currency: string;
  validUntil: string;
  flightHours: number;
}

export interface FitCriteria {
  passengers: number;
  category?: string | null;
  maxHourlyRate?: number | null;
}

export interface PricedCandidate extends AircraftOption {
  quote: QuoteSummary | null;
  /** Why this candidate has no quote (pricing failed), or why it was not chosen. */
  note: string | null;
}

export interface AircraftChoice {
  chosen: PricedCandidate;
  candidates: PricedCandidate[];
  reason: string;
}

/** Higher is safer. */
export function safetyRank(rating: string): number {
  const r = rating.toLowerCase();
  if (r.includes('platinum')) return 6;
  if (r.includes('gold+')) return 5;
  if (r.includes('gold') || r.includes('wingman')) return 4;
  const stage = /stage\s*(\d)/.exec(r);
  if (r.includes('is-bao') && stage?.[1]) return Math.min(3, Number(stage[1]));
  return 0;
}

export function fits(option: AircraftOption, criteria: FitCriteria): boolean {
  if (option.seats < criteria.passengers) return false;
  if (option.rangeNm < option.distanceNm) return false;
  if (criteria.category && option.category !== criteria.category) return false;
  if (criteria.maxHourlyRate && option.hourlyRate > criteria.maxHourlyRate) return false;
  return true;
}

function compareTieBreakers(a: AircraftOption, b: AircraftOption): number {
  return (
    safetyRank(b.operator.safetyRating) - safetyRank(a.operator.safetyRating) ||
    a.operator.id.localeCompare(b.operator.id) ||
    a.aircraftId.localeCompare(b.aircraftId)
  );
}

/** The fitting options worth pricing: lowest estimate first, at most `count`. */
export function shortlist(options: readonly AircraftOption[], criteria: FitCriteria, count: number): AircraftOption[] {
  return options
    .filter((option) => fits(option, criteria))
    .sort((a, b) => a.estimatedTotal - b.estimatedTotal || compareTieBreakers(a, b))
    .slice(0, Math.max(1, count));
}

function usd(cents: number): string {
  return `USD ${(cents / 100).toFixed(2)}`;
}

/**
 * Chooses among priced candidates (those with a quote, within the budget when one is given). Returns null when none
 * qualifies; the candidates keep a note saying why each was passed over. Aircraft in `taken` (requested by another live
 * run for an overlapping time) are passed over while another candidate qualifies, so a batch of leads for one trip
 * spreads its requests instead of all asking for the cheapest tail; when every candidate is taken the best is chosen
 * anyway (the run ends `aircraft_unavailable` if another run books it first).
 */
export function chooseAircraft(
  priced: readonly PricedCandidate[],
  budget: number | null = null,
  taken: ReadonlySet<string> = new Set(),
): AircraftChoice | null {
  const candidates = priced.map((c) => ({ ...c }));
  const qualified = candidates.filter((c) => {
    if (!c.quote) return false;
    if (budget !== null && c.quote.total > budget) {
      c.note = `quoted ${usd(c.quote.total)}, over the budget of ${usd(budget)}`;
      return false;
    }
    return true;
  });
  if (qualified.length === 0) return null;
  const free = qualified.filter((c) => !taken.has(c.aircraftId));
  const eligible = free.length > 0 ? free : qualified;
  for (const c of qualified) {
    if (free.length > 0 && taken.has(c.aircraftId)) c.note = 'already requested by another run for an overlapping time';
  }
  const total = (c: PricedCandidate): number => c.quote?.total ?? Number.POSITIVE_INFINITY;
  eligible.sort((a, b) => total(a) - total(b) || compareTieBreakers(a, b));
  const chosen = eligible[0] as PricedCandidate;
  const tied = eligible.filter((c) => total(c) === total(chosen));
  let reason = `lowest quoted total ${usd(total(chosen))} among ${eligible.length} priced candidate${eligible.length === 1 ? '' : 's'}`;
  if (tied.length > 1) {
    const second = tied[1] as PricedCandidate;
    const bySafety = safetyRank(chosen.operator.safetyRating) !== safetyRank(second.operator.safetyRating);
    reason += bySafety
      ? `; tie on price broken by safety rating (${chosen.operator.safetyRating})`
      : chosen.operator.id !== second.operator.id
        ? `; tie on price and safety broken by operator id (${chosen.operator.id})`
        : `; tie broken by aircraft id (${chosen.aircraftId})`;
  }
  const skipped = qualified.length - free.length;
  if (skipped > 0) {
    reason +=
      free.length > 0
        ? `; ${skipped} cheaper or equal candidate${skipped === 1 ? '' : 's'} passed over: already requested by another run`
        : '; every candidate is already requested by another run for an overlapping time';
  }
  for (const c of eligible) {
    if (c !== chosen) c.note ??= `quoted ${usd(total(c))}, more than or tied with the chosen ${usd(total(chosen))}`;
  }
  chosen.note = 'chosen';
  return { chosen, candidates, reason };
}
