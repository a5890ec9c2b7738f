import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import type { BookingOutcome } from './run-state-machine.js';

/**
 * Upstream booking outcomes by charter request id, kept even when no run is known for the request yet (a
 * confirmation can overtake the commit of the step that created the request); applied when the run records it.
 */
@Entity({ name: 'pipeline_booking_outcomes' })
@Check('ck_pipeline_booking_outcomes_outcome', `"outcome" IN ('confirmed', 'cancelled')`)
export class PipelineBookingOutcome {
  @PrimaryColumn({ name: 'charter_request_id', type: 'varchar', length: 64 })
  charterRequestId: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  outcome: BookingOutcome;

  @Column({ name: 'booking_id', type: 'varchar', length: 64, nullable: true })
  bookingId: string | null;

  @Column({ type: 'varchar', length: 64 })
  source: string;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ name: 'applied_run_id', type: 'uuid', nullable: true })
  appliedRunId: string | null;
}
