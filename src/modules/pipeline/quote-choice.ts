/**
 * Choosing among sellers' quotes of an Avinode trip. Each usable quote (answered, not expired, its aircraft not held by
 * another run, within the budget) gets a score, lower is better:
 *   total / cheapest total                  (normalised total: 1.00 for the cheapest)
 * + 0.5 × positioning cost / total          (money spent flying empty: a hint of a far-away aircraft)
 * + 0.15 × (1 − safety score)               (ARGUS Platinum 1.0 … unrated 0)
 * + 0.05 × response minutes / slowest       (an operator that answers fast tends to answer fast later too)
 * Ties: operator id, then aircraft id, so the same quotes always give the same choice. Pure: unit-tested beside.
 */
import type { Rfq } from '../avainode/avinode-trips.contracts.js';

const SAFETY_SCORE: Readonly<Record<string, number>> = {
  'ARGUS Platinum': 1,
  'ARGUS Gold+': 0.85,
  'ARGUS Gold': 0.7,
  'Wyvern Wingman': 0.7,
  'IS-BAO Stage 3': 0.6,
  'IS-BAO Stage 2': 0.45,
  'IS-BAO Stage 1': 0.3,
};

export interface ScoredQuote {
  rfq: Rfq;
  score: number;
  normalisedTotal: number;
  positioningShare: number;
  safety: number;
}

export interface QuoteChoice {
  chosen: ScoredQuote;
  ranked: ScoredQuote[];
  reason: string;
}

export interface QuoteChoiceInput {
  rfqs: readonly Rfq[];
  now: Date;
  budget: number | null;
  taken: ReadonlySet<string>;
}

const usd = (cents: number): string => `USD ${(cents / 100).toFixed(2)}`;

/** The usable quotes, and why others are not (for the run's record). */
export function usableQuotes(input: QuoteChoiceInput): {
  usable: Rfq[];
  excluded: Array<{ rfqId: string; why: string }>;
} {
  const usable: Rfq[] = [];
  const excluded: Array<{ rfqId: string; why: string }> = [];
  for (const rfq of input.rfqs) {
    const quote = rfq.latestQuote;
    if (rfq.status !== 'quoted' || !quote) {
      excluded.push({
        rfqId: rfq.id,
        why: rfq.status === 'declined' ? `declined (${rfq.declineReason ?? 'no reason'})` : `no quote (${rfq.status})`,
      });
    } else if (Date.parse(quote.validUntil) <= input.now.getTime()) {
      excluded.push({ rfqId: rfq.id, why: `quote expired at ${quote.validUntil}` });
    } else if (input.taken.has(rfq.lift.aircraftId)) {
      excluded.push({ rfqId: rfq.id, why: `aircraft ${rfq.lift.aircraftId} is held by another run` });
    } else if (input.budget !== null && quote.total > input.budget) {
      excluded.push({ rfqId: rfq.id, why: `${usd(quote.total)} is over the budget of ${usd(input.budget)}` });
    } else usable.push(rfq);
  }
  return { usable, excluded };
}

export function chooseQuote(input: QuoteChoiceInput): QuoteChoice | null {
  const { usable } = usableQuotes(input);
  if (usable.length === 0) return null;
  const cheapest = Math.min(...usable.map((r) => r.latestQuote!.total));
  const slowest = Math.max(1, ...usable.map((r) => r.responseMinutes ?? 0));
  const ranked = usable
    .map((rfq): ScoredQuote => {
      const quote = rfq.latestQuote!;
      const normalisedTotal = quote.total / Math.max(1, cheapest);
      const positioningShare = quote.aviquote.positioningCost / Math.max(1, quote.total);
      const safety = SAFETY_SCORE[rfq.safety.rating] ?? 0;
      const response = (rfq.responseMinutes ?? slowest) / slowest;
      const score = normalisedTotal + 0.5 * positioningShare + 0.15 * (1 - safety) + 0.05 * response;
      return { rfq, score, normalisedTotal, positioningShare, safety };
    })
    .sort(
      (a, b) =>
        a.score - b.score ||
        a.rfq.sellerCompany.id.localeCompare(b.rfq.sellerCompany.id) ||
        a.rfq.lift.aircraftId.localeCompare(b.rfq.lift.aircraftId),
    );
  const chosen = ranked[0]!;
  const q = chosen.rfq.latestQuote!;
  const runnerUp = ranked[1];
  const reason =
    `best score ${chosen.score.toFixed(3)} of ${ranked.length} quote(s): ${chosen.rfq.sellerCompany.name} ` +
    `${chosen.rfq.lift.tailNumber} at ${usd(q.total)} (${chosen.normalisedTotal.toFixed(2)}× the cheapest), ` +
    `positioning ${usd(q.aviquote.positioningCost)} (${Math.round(chosen.positioningShare * 100)} %), ` +
    `${chosen.rfq.safety.rating}, answered in ${chosen.rfq.responseMinutes ?? '?'} min` +
    (runnerUp
      ? `; next ${runnerUp.rfq.sellerCompany.name} at ${usd(runnerUp.rfq.latestQuote!.total)} (score ${runnerUp.score.toFixed(3)})`
      : '');
  return { chosen, ranked, reason };
}
