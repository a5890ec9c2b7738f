/**
 * Every error the application means to show a client. Each code maps to one HTTP status and title in
 * `error-catalog.ts`; adding a code without mapping it does not compile.
 */
export type DomainErrorCode =
  | 'validation_failed'
  | 'not_found'
  | 'conflict'
  | 'invalid_state_transition'
  | 'precondition_failed'
  | 'not_supported'
  | 'idempotency_key_reused'
  | 'idempotency_request_in_progress'
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large'
  | 'request_timeout'
  | 'unsupported_event_type'
  | 'rate_limited'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'upstream_error'
  | 'upstream_contract_violation'
  | 'upstream_needs_input'
  | 'service_unavailable';

export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `flightRequirements.passengers`. */
  field: string;
  /** The rule that failed, e.g. `max`, `isIcaoCode`. */
  rule: string;
  message: string;
}

export interface DomainErrorOptions {
  /** Extra members of the problem document (e.g. `server`, `tool`, `currentStatus`). Must not hold secrets. */
  extensions?: Record<string, unknown>;
  errors?: FieldProblem[];
  /** Seconds, sent as `Retry-After`. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly extensions: Record<string, unknown>;
  readonly errors: FieldProblem[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    options: DomainErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.extensions = options.extensions ?? {};
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export class NotFoundError extends DomainError {
  constructor(resource: string, id: string) {
    super('not_found', `${resource} ${id} was not found`, { extensions: { resource, id } });
  }
}

export class ValidationFailedError extends DomainError {
  constructor(errors: FieldProblem[], message = 'The request is not valid') {
    super('validation_failed', message, { errors });
  }
}

/**
 * The configured upstream server cannot do this operation at all (e.g. Apollo's hosted MCP server has no tool to create
 * a sequence). Not an outage and not the caller's input: asking again, or differently, changes nothing.
 */
export class OperationNotSupportedError extends DomainError {
  constructor(server: string, operation: string, detail: string, extensions: Record<string, unknown> = {}) {
    super('not_supported', `${operation} is not supported by this ${server} server: ${detail}`, {
      extensions: { server, operation, ...extensions },
    });
  }
}
