/**
 * The consistency score (documented in the module README section):
 *
 *   per stream   penalty = missingHere + missingThere + fieldMismatch + orphans + 0.5 × stale
 *                score   = 100 × max(0, 1 − penalty / max(1, compared))          (0 when the stream could not be checked)
 *   overall      score   = mean of the stream scores, rounded to 2 decimals
 *
 * `compared` counts the distinct records looked at (upstream records of the walk or sample, plus local records the
 * upstream no longer has). `stale` is the number of local records of a stream whose last successful sync is older than
 * SYNC_STALE_AFTER_SECONDS (so a stream that stopped syncing scores at most 50). Streams weigh equally: a small broken
 * stream cannot hide behind a large healthy one.
 */
export interface StreamFindings {
  checked: boolean;
  compared: number;
  missingHere: number;
  missingThere: number;
  fieldMismatch: number;
  orphans: number;
  stale: number;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

export function streamScore(findings: StreamFindings): number {
  if (!findings.checked) return 0;
  const penalty =
    findings.missingHere + findings.missingThere + findings.fieldMismatch + findings.orphans + 0.5 * findings.stale;
  return round2(100 * Math.max(0, 1 - penalty / Math.max(1, findings.compared)));
}

export function overallScore(streams: readonly StreamFindings[]): number {
  if (streams.length === 0) return 100;
  const total = streams.reduce((sum, findings) => sum + streamScore(findings), 0);
  return round2(total / streams.length);
}
