import { DomainError } from '../../common/errors/domain-error.js';

/**
 * Avinode reports business failures as tool errors whose message starts with the argument concerned
 * (`"<field>: <detail>"`, e.g. `action: cannot confirm booking bk-1: its status is cancelled (…)`). The MCP client
 * classifies them by the server's `_meta.errorCode` (upstream-refusals.ts: not found → 404, an illegal status change →
 * 409, an unavailable aircraft → 409, a rejected argument → 400); this names our API's field instead of the upstream
 * argument, and states a refused transition in our words. Everything else stays as the client made it.
 */

/** Upstream argument paths → the field names of our API. */
const FIELD_NAMES: Readonly<Record<string, string>> = {
  aircraftId: 'aircraftId',
  operatorId: 'id',
  bookingId: 'id',
  requestId: 'id',
  quoteId: 'quoteId',
  departureAirport: 'departureAirport',
  arrivalAirport: 'arrivalAirport',
  'route.departureAirport': 'departureAirport',
  'route.arrivalAirport': 'arrivalAirport',
  departureDate: 'departureDate',
  returnDate: 'returnDate',
  'dates.departureDate': 'departureDate',
  'dates.returnDate': 'returnDate',
  departureTime: 'departureTime',
  passengers: 'passengers',
  startDate: 'startDate',
  endDate: 'endDate',
  paymentMethod: 'paymentMethod',
  signerName: 'signerName',
  cancellationReason: 'reason',
  modifications: 'modifications',
  'modifications.departureTime': 'departureTime',
  'modifications.passengers': 'passengers',
  'modifications.specialRequests': 'specialRequests',
  action: 'action',
  idempotencyKey: 'Idempotency-Key',
};

const TRANSITION = /cannot (\w+) booking (\S+): its status is (\w+)/;

/** The error a caller should see for a failed Avinode call (see the module comment). */
export function translateAvinodeError(error: unknown): unknown {
  if (!(error instanceof DomainError) || error.extensions.server !== 'avinode') return error;
  const upstreamField = typeof error.extensions.field === 'string' ? error.extensions.field : undefined;
  if (upstreamField === undefined) return error;
  const field = FIELD_NAMES[upstreamField] ?? upstreamField;
  const base = { ...error.extensions, field, upstreamField };

  const transition = TRANSITION.exec(error.message);
  if (error.code === 'invalid_state_transition' && transition) {
    const [, action, bookingId, currentStatus] = transition;
    return new DomainError(
      'invalid_state_transition',
      `Cannot ${action} booking ${bookingId}: its status is ${currentStatus}`,
      { extensions: { ...base, action, bookingId, currentStatus }, cause: error },
    );
  }
  if (error.code === 'validation_failed') {
    const detail = error.errors?.[0]?.message ?? error.message;
    return new DomainError('validation_failed', `Avinode rejected ${field}: ${detail}`, {
      extensions: base,
      errors: [{ field, rule: error.errors?.[0]?.rule ?? 'upstream', message: `${field}: ${detail}` }],
      cause: error,
    });
  }
  // The message often starts with an id (`ac-n965pz is no longer available`): passed on as sent, never capitalised.
  return new DomainError(error.code, error.message, { extensions: base, cause: error });
}
