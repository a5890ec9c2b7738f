import type { AircraftCategory } from './aircraft-types.data.js';
import type { ArgusRating, IsBaoStage, OperatorIncident, WyvernRating } from './operators.data.js';
import type { PriceBreakdown } from './pricing.js';
import type { TripFlowState } from './trip-flow.types.js';

/** Records that list tools page through carry a numeric change stamp beside the ISO text, so ordering never parses. */
export interface Stamped {
  updatedAt: string;
  updatedAtMs: number;
  /** Set when the record was deleted upstream; deleted records stay visible to `list-*` so a sync can see the delete. */
  deletedAt: string | null;
}

export interface Aircraft {
  id: string;
  tailNumber: string;
  typeCode: string;
  manufacturer: string;
  model: string;
  category: AircraftCategory;
  seats: number;
  rangeNm: number;
  cruiseSpeedKts: number;
  /** USD cents per flight hour. */
  hourlyRate: number;
  yearOfManufacture: number;
  homeBase: string;
  operatorId: string;
  status: 'active' | 'inactive';
  updatedAt: string;
  deletedAt: string | null;
}

export interface Operator {
  id: string;
  name: string;
  country: string;
  certificate: { authority: string; type: string; number: string };
  headquarters: string;
  bases: string[];
  foundedYear: number;
  safety: {
    argus: ArgusRating | null;
    wyvern: WyvernRating | null;
    isBao: IsBaoStage | null;
    lastAuditDate: string;
  };
  insurance: { liabilityCoverage: number; insurer: string; currency: 'USD' };
  incidents: OperatorIncident[];
}

export const AVAILABILITY_STATUSES = ['available', 'booked', 'maintenance', 'unavailable'] as const;
export type AvailabilityStatus = (typeof AVAILABILITY_STATUSES)[number];

export interface AvailabilityRecord extends Stamped {
  id: string;
  aircraftId: string;
  date: string;
  status: AvailabilityStatus;
  /** The sandbox booking holding the day, when it was booked through this server. */
  bookingId: string | null;
}

export interface EmptyLeg {
  id: string;
  aircraftId: string;
  operatorId: string;
  departureAirport: string;
  arrivalAirport: string;
  departureDate: string;
  earliestDepartureTime: string;
  latestDepartureTime: string;
  distanceNm: number;
  flightHours: number;
  seats: number;
  originalPrice: number;
  discountPercent: number;
  price: number;
}

export interface StoredQuote {
  id: string;
  aircraftId: string;
  operatorId: string;
  departureAirport: string;
  arrivalAirport: string;
  departureDate: string;
  returnDate: string | null;
  passengers: number;
  createdAt: string;
  validUntil: string;
  price: PriceBreakdown;
}

export const BOOKING_STATUSES = ['pending', 'confirmed', 'flown', 'completed', 'cancelled'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export interface BookingContact {
  name: string;
  email: string;
  phone: string | null;
  company: string | null;
}

export interface BookingPayment {
  method: string;
  currency: 'USD';
  depositPercent: number;
  depositAmount: number;
  depositDueAt: string;
  depositPaidAt: string;
  balanceAmount: number;
  balanceDueAt: string;
}

export interface BookingCancellation {
  reason: string;
  cancelledAt: string;
  noticeHours: number;
  feePercent: number;
  feeAmount: number;
  refundAmount: number;
  amountOwed: number;
}

export interface BookingHistoryEntry {
  at: string;
  action: string;
  from: BookingStatus | null;
  to: BookingStatus;
}

/** A charter request; once confirmed it is also a booking (it gains a `bookingId`, the request id stays). */
export interface Booking extends Stamped {
  id: string;
  requestId: string;
  bookingId: string | null;
  status: BookingStatus;
  aircraftId: string;
  operatorId: string;
  departureAirport: string;
  arrivalAirport: string;
  departureDate: string;
  departureTime: string;
  returnDate: string | null;
  passengers: number;
  contact: BookingContact;
  specialRequests: string | null;
  quoteId: string;
  price: PriceBreakdown;
  payment: BookingPayment | null;
  cancellation: BookingCancellation | null;
  history: BookingHistoryEntry[];
  idempotencyKey: string | null;
  createdAt: string;
}

export interface IdempotencyEntry {
  fingerprint: string;
  requestId: string;
}

export interface AvinodeState {
  /** First day of the published availability window (UTC date of `now` at creation). */
  windowStart: string;
  windowDays: number;
  aircraft: Map<string, Aircraft>;
  operators: Map<string, Operator>;
  /** Keyed by record id, which is `av-<aircraftId>-<date>`. */
  availability: Map<string, AvailabilityRecord>;
  emptyLegs: EmptyLeg[];
  quotes: Map<string, StoredQuote>;
  /** Keyed by request id. */
  bookings: Map<string, Booking>;
  /** Booking id → request id. */
  bookingIds: Map<string, string>;
  idempotency: Map<string, IdempotencyEntry>;
  /** Last change stamp handed out; every change gets a strictly larger one. */
  lastChangeMs: number;
  /** Counter for ids, mixed with the seed so that ids differ between seeds. */
  sequence: number;
  seed: number;
  /**
   * The broker flow of the real marketplace (trips, RFQs, seller responses over time, thin webhooks): null when the
   * server answers at once only (the default). See trip-flow.ts.
   */
  tripFlow: TripFlowState | null;
}
