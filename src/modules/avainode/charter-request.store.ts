import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { UpstreamBooking } from './avainode.contracts.js';
import { CharterRequest, type CharterRequestOrigin } from './charter-request.entity.js';

export interface UpsertOptions {
  /** Recorded only when the row is inserted. */
  origin: CharterRequestOrigin;
  /** The upstream idempotency key the request was created with (creation only). */
  idempotencyKey?: string | undefined;
  /** Run inside the caller's transaction (e.g. with an outbox job). */
  manager?: EntityManager | undefined;
}

export interface UpsertResult {
  record: CharterRequest;
  /** The row did not exist before. */
  inserted: boolean;
  /** The row was inserted or updated (false when the stored version was as new or newer). */
  changed: boolean;
}

const MIRRORED = [
  'upstream_booking_id',
  'status',
  'aircraft_id',
  'operator_id',
  'departure_airport',
  'arrival_airport',
  'departure_date',
  'departure_time',
  'departure_at',
  'return_date',
  'passengers',
  'contact',
  'special_requests',
  'quote_id',
  'total_cents',
  'currency',
  'payment',
  'cancellation',
  'status_history',
  'upstream_updated_at',
  'upstream_deleted_at',
] as const;

/**
 * Writes of `charter_request`, keyed by the upstream request id. One statement per write (no transaction held across an
 * upstream call); concurrent writers of one request converge on one row, and an older upstream version never
 * overwrites a newer one (`upstream_updated_at`).
 */
@Injectable()
export class CharterRequestStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async upsertFromUpstream(booking: UpstreamBooking, options: UpsertOptions): Promise<UpsertResult> {
    const manager = options.manager ?? this.dataSource.manager;
    const values: Record<(typeof MIRRORED)[number], unknown> = {
      upstream_booking_id: booking.bookingId,
      status: booking.status,
      aircraft_id: booking.aircraft.id,
      operator_id: booking.operator.id,
      departure_airport: booking.route.departureAirport,
      arrival_airport: booking.route.arrivalAirport,
      departure_date: booking.departureDate,
      departure_time: booking.departureTime,
      departure_at: booking.departureAt,
      return_date: booking.returnDate,
      passengers: booking.passengers,
      contact: JSON.stringify(booking.contact),
      special_requests: booking.specialRequests,
      quote_id: booking.quoteId,
      total_cents: booking.pricing.total,
      currency: booking.pricing.currency,
      payment: booking.payment === null ? null : JSON.stringify(booking.payment),
      cancellation: booking.cancellation === null ? null : JSON.stringify(booking.cancellation),
      status_history: JSON.stringify(booking.history),
      upstream_updated_at: booking.updatedAt,
      upstream_deleted_at: booking.deletedAt,
    };
    const columns = ['upstream_request_id', 'idempotency_key', 'origin', ...MIRRORED];
    const parameters = [
      booking.requestId,
      options.idempotencyKey ?? null,
      options.origin,
      ...MIRRORED.map((c) => values[c]),
    ];
    const placeholders = columns.map((_, i) => `$${i + 1}`).join(', ');
    const updates = MIRRORED.map((c) => `"${c}" = EXCLUDED."${c}"`).join(', ');
    // Inside a caller's transaction a failed statement aborts the transaction: the caller retries the whole unit.
    const attempts = manager.queryRunner?.isTransactionActive === true ? 1 : 3;
    const rows = await this.withUniqueRetry<unknown>(attempts, () =>
      manager.query(
        `INSERT INTO "charter_request" (${columns.map((c) => `"${c}"`).join(', ')})
       VALUES (${placeholders})
       ON CONFLICT ("upstream_request_id") DO UPDATE SET ${updates},
         "idempotency_key" = COALESCE("charter_request"."idempotency_key", EXCLUDED."idempotency_key"),
         "updated_at" = now(),
         "version" = "charter_request"."version" + 1
       WHERE "charter_request"."upstream_updated_at" < EXCLUDED."upstream_updated_at"
       RETURNING "id", (xmax = 0) AS "inserted"`,
        parameters,
      ),
    );
    const first = Array.isArray(rows) ? (rows[0] as { id: string; inserted: boolean } | undefined) : undefined;
    const record = await manager
      .getRepository(CharterRequest)
      .findOneByOrFail(first ? { id: first.id } : { upstreamRequestId: booking.requestId });
    return { record, inserted: first?.inserted === true, changed: first !== undefined };
  }

  /**
   * Two concurrent first inserts of one request can collide on the other unique column (idempotency_key), which
   * ON CONFLICT (upstream_request_id) does not arbitrate; once the winner has committed, a retry takes the update path.
   */
  private async withUniqueRetry<T>(attempts: number, statement: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await statement();
      } catch (error) {
        const failure = error as { code?: unknown; driverError?: { code?: unknown } };
        const code = failure.driverError?.code ?? failure.code;
        if (code !== '23505' || attempt >= attempts) throw error;
      }
    }
  }

  findById(id: string): Promise<CharterRequest | null> {
    return this.dataSource.getRepository(CharterRequest).findOneBy({ id });
  }

  findByUpstreamId(upstreamId: string): Promise<CharterRequest | null> {
    return this.dataSource
      .getRepository(CharterRequest)
      .findOne({ where: [{ upstreamRequestId: upstreamId }, { upstreamBookingId: upstreamId }] });
  }

  findByIdempotencyKey(key: string): Promise<CharterRequest | null> {
    return this.dataSource.getRepository(CharterRequest).findOneBy({ idempotencyKey: key });
  }

  count(): Promise<number> {
    return this.dataSource.getRepository(CharterRequest).count();
  }
}
