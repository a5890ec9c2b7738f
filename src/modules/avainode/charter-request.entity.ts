import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { BookingHistoryEntry, BookingStatus, Contact } from './avainode.contracts.js';

/** Who made the backend store the record. */
export type CharterRequestOrigin = 'api' | 'pipeline' | 'sync' | 'upstream';

/** bigint columns arrive as strings from pg; amounts in cents fit a JS number exactly. */
const centsTransformer = {
  to: (value: number | null): number | null => value,
  from: (value: string | number | null): number | null => (value === null ? null : Number(value)),
};

/**
 * A charter request and, once confirmed, the booking it became (Avinode keeps one record: it gains a booking id and
 * keeps its request id). Mirrors the upstream record as of `upstream_updated_at`; `status_history` is the upstream's
 * history of status changes. `version` grows by one with every change the backend stores.
 */
@Entity({ name: 'charter_request' })
@Index('idx_charter_request_status_departure', ['status', 'departureAt'])
@Index('idx_charter_request_upstream_updated', ['upstreamUpdatedAt'])
@Check('ck_charter_request_status', `"status" IN ('pending', 'confirmed', 'flown', 'completed', 'cancelled')`)
@Check('ck_charter_request_origin', `"origin" IN ('api', 'pipeline', 'sync', 'upstream')`)
@Check('ck_charter_request_passengers', '"passengers" BETWEEN 1 AND 19')
@Check('ck_charter_request_total', '"total_cents" >= 0')
export class CharterRequest {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Avinode's request id (`cr-…`): the stable upstream identity. */
  @Column({ name: 'upstream_request_id', type: 'varchar', length: 64, unique: true })
  upstreamRequestId: string;

  /** Avinode's booking id (`bk-…`), set when the request is confirmed. */
  @Column({ name: 'upstream_booking_id', type: 'varchar', length: 64, nullable: true, unique: true })
  upstreamBookingId: string | null;

  /** The idempotency key the upstream request was created with (null for records the backend did not create). */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, nullable: true, unique: true })
  idempotencyKey: string | null;

  @Column({ type: 'varchar', length: 16 })
  status: BookingStatus;

  @Column({ type: 'varchar', length: 16 })
  origin: CharterRequestOrigin;

  @Column({ name: 'aircraft_id', type: 'varchar', length: 64 })
  aircraftId: string;

  @Column({ name: 'operator_id', type: 'varchar', length: 64 })
  operatorId: string;

  @Column({ name: 'departure_airport', type: 'char', length: 4 })
  departureAirport: string;

  @Column({ name: 'arrival_airport', type: 'char', length: 4 })
  arrivalAirport: string;

  /** Local date at the departure airport. */
  @Column({ name: 'departure_date', type: 'date' })
  departureDate: string;

  /** Local time HH:MM at the departure airport. */
  @Column({ name: 'departure_time', type: 'varchar', length: 5 })
  departureTime: string;

  /** The departure instant (UTC). */
  @Column({ name: 'departure_at', type: 'timestamptz' })
  departureAt: Date;

  @Column({ name: 'return_date', type: 'date', nullable: true })
  returnDate: string | null;

  @Column({ type: 'integer' })
  passengers: number;

  @Column({ type: 'jsonb' })
  contact: Contact;

  @Column({ name: 'special_requests', type: 'text', nullable: true })
  specialRequests: string | null;

  @Column({ name: 'quote_id', type: 'varchar', length: 64 })
  quoteId: string;

  @Column({ name: 'total_cents', type: 'bigint', transformer: centsTransformer })
  totalCents: number;

  @Column({ type: 'char', length: 3 })
  currency: string;

  /** Deposit and balance (set on confirmation), as the upstream reports them. */
  @Column({ type: 'jsonb', nullable: true })
  payment: Record<string, unknown> | null;

  /** Cancellation terms (fee, refund), as the upstream reports them. */
  @Column({ type: 'jsonb', nullable: true })
  cancellation: Record<string, unknown> | null;

  @Column({ name: 'status_history', type: 'jsonb', default: [] })
  statusHistory: BookingHistoryEntry[];

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  /** The upstream record's `updatedAt`: an older upstream version never overwrites a newer one. */
  @Column({ name: 'upstream_updated_at', type: 'timestamptz' })
  upstreamUpdatedAt: Date;

  /** Set when the upstream deleted the record. */
  @Column({ name: 'upstream_deleted_at', type: 'timestamptz', nullable: true })
  upstreamDeletedAt: Date | null;

  @Column({ type: 'integer', default: 1 })
  version: number;
}
