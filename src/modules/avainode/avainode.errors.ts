import { DomainError } from '../../common/errors/domain-error.js';

/**
 * Avinode reports business failures as tool errors whose message starts with the argument concerned
 * (`"<field>: <detail>"`, e.g. `action: cannot confirm booking bk-1: its status is cancelled (…)`). The MCP client
 * turns every tool error into a 502 `upstream_error`; those that are the caller's business become what they mean:
 * not found → 404, an illegal status change → 409 `invalid_state_transition`, an unavailable aircraft → 409 `conflict`,
 * a rejected argument → 400 naming our field. Anything else (and every transport failure) stays as the client made it.
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
  cancellationReason: 'reason',
  modifications: 'modifications',
  'modifications.departureTime': 'departureTime',
  'modifications.passengers': 'passengers',
  'modifications.specialRequests': 'specialRequests',
  action: 'action',
  idempotencyKey: 'Idempotency-Key',
};

const FIELD_MESSAGE = /^([A-Za-z][\w.]*): ([\s\S]+)$/;
const TRANSITION = /cannot (\w+) booking (\S+): its status is (\w+)/;

function upstreamMessage(error: DomainError): string {
  return error.cause instanceof Error ? error.cause.message : error.message;
}

/** The error a caller should see for a failed Avinode call (see the module comment). */
export function translateAvinodeError(error: unknown): unknown {
  if (!(error instanceof DomainError) || error.code !== 'upstream_error') return error;
  if (error.extensions.reason !== 'tool_error') return error;
  const message = upstreamMessage(error);
  const match = FIELD_MESSAGE.exec(message.trim());
  if (!match) return error;
  const [, upstreamField = '', detail = ''] = match;
  const field = FIELD_NAMES[upstreamField];
  if (field === undefined) return error;
  const base = { server: 'avinode', tool: error.extensions.tool, upstreamField };

  const transition = TRANSITION.exec(detail);
  if (upstreamField === 'action' && transition) {
    const [, action, bookingId, currentStatus] = transition;
    return new DomainError(
      'invalid_state_transition',
      `Cannot ${action} booking ${bookingId}: its status is ${currentStatus}`,
      {
        extensions: { ...base, action, bookingId, currentStatus },
        cause: error,
      },
    );
  }
  // The detail often starts with an id (`ac-n965pz is no longer available`): passed on as sent, never capitalised.
  if (/\bnot found\b/i.test(detail)) {
    return new DomainError('not_found', detail, {
      extensions: { ...base, field },
      cause: error,
    });
  }
  if (/\bnot available\b|\bno longer available\b|\bnot in service\b/i.test(detail)) {
    return new DomainError('conflict', detail, {
      extensions: { ...base, field, reason: 'unavailable' },
      cause: error,
    });
  }
  return new DomainError('validation_failed', `Avinode rejected ${field}: ${detail}`, {
    extensions: base,
    errors: [{ field, rule: 'upstream', message: `${field}: ${detail}` }],
    cause: error,
  });
}
