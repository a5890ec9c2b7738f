import type { FieldProblem } from '../errors/domain-error.js';

/** RFC 9457 problem details, as every error of this service is answered (`application/problem+json`). */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  /** Present on 500s: the id under which the full error was logged. */
  errorId?: string;
  /** Present on validation failures: one entry per offending field. */
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
