import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { z } from 'zod';
import { AppConfig } from '../../common/config/app-config.js';
import { OnDomainEvent } from '../../common/events/on-domain-event.js';
import { publishAndWait } from '../../common/events/publish.js';
import { McpClientService } from '../../common/mcp/mcp-client.service.js';
import { McpToolRegistry, type ToolContract } from '../../common/mcp/tool-contract.js';
import { translateAvinodeError } from './avainode.errors.js';
import { AvinodeNotificationReceived, AvinodeRfqUpdated } from './avainode.events.js';
import {
  AVINODE_TRIP_TOOLS,
  type AvinodeTrip,
  cancelTripTool,
  createTripTool,
  getTripRfqsTool,
  readHrefTool,
  reportTripOutcomeTool,
  type Rfq,
} from './avinode-trips.contracts.js';

export interface NewTrip {
  /** Our id of the trip (the pipeline run's id): the same id finds the same trip again. */
  externalTripId: string;
  departureAirport: string;
  arrivalAirport: string;
  departureDate: string;
  departureTime?: string | undefined;
  returnDate?: string | undefined;
  passengers: number;
  aircraftCategory?: string | undefined;
}

export type TripCancelReason = 'BY_CLIENT' | 'CHANGED' | 'BOOKED' | 'OTHER';

/**
 * Avinode's broker flow over MCP: trips, their RFQs and seller quotes, trip cancellation and outcome, and the processing
 * of Avinode's native webhooks (read `href`, then raise `AvinodeRfqUpdated` with the RFQ as it is now).
 */
@Injectable()
export class AvinodeTripsService {
  private readonly logger = new Logger('AvinodeTrips');

  constructor(
    private readonly mcp: McpClientService,
    private readonly events: EventEmitter2,
    readonly config: AppConfig,
    registry: McpToolRegistry,
  ) {
    if (config.pipeline.quoteFlow === 'trip') registry.register(AVINODE_TRIP_TOOLS);
  }

  /** Creates the trip (or finds the one made earlier for the same `externalTripId`). */
  async createTrip(trip: NewTrip): Promise<{ trip: AvinodeTrip; searchInAvinode: string; replayed: boolean }> {
    const outbound = {
      departureAirport: trip.departureAirport,
      arrivalAirport: trip.arrivalAirport,
      departureDate: trip.departureDate,
      ...(trip.departureTime ? { departureTime: trip.departureTime } : {}),
    };
    const segments = trip.returnDate
      ? [
          outbound,
          {
            departureAirport: trip.arrivalAirport,
            arrivalAirport: trip.departureAirport,
            departureDate: trip.returnDate,
          },
        ]
      : [outbound];
    const result = await this.call(
      createTripTool,
      {
        externalTripId: trip.externalTripId,
        segments,
        passengers: trip.passengers,
        ...(trip.aircraftCategory ? { aircraftCategory: trip.aircraftCategory } : {}),
      },
      // The external trip id finds the trip again: repeating the call is safe.
      `trip:${trip.externalTripId}`,
    );
    return { trip: result.trip, searchInAvinode: result.searchInAvinode, replayed: result.idempotentReplay };
  }

  async getTrip(tripId: string): Promise<AvinodeTrip> {
    return (await this.call(getTripRfqsTool, { tripId })).trip;
  }

  async cancelTrip(tripId: string, reason: TripCancelReason, messageToSeller: string): Promise<AvinodeTrip> {
    // Cancelling a cancelled trip changes nothing upstream: safe to repeat.
    return (await this.call(cancelTripTool, { tripId, reason, messageToSeller }, `cancel-trip:${tripId}`)).trip;
  }

  async reportConverted(tripId: string, winningSellerLiftId: string): Promise<AvinodeTrip> {
    const args = { tripId, outcome: 'CONVERTED' as const, winningSellerLiftId };
    return (await this.call(reportTripOutcomeTool, args, `trip-outcome:${tripId}`)).trip;
  }

  /** The RFQ a notification's `href` concerns, as it is now (a trip message carries its RFQ). */
  async rfqOf(href: string): Promise<Rfq | null> {
    const read = await this.call(readHrefTool, { href });
    return read.rfq ?? read.tripMessage?.rfq ?? null;
  }

  /**
   * Processing of a stored native notification: read `href` through the MCP server and raise `AvinodeRfqUpdated`.
   * A failure fails the processing attempt (retried with backoff by the webhook intake, then dead-lettered).
   */
  @OnDomainEvent(AvinodeNotificationReceived, { promisify: true, suppressErrors: false })
  async onNotification(event: AvinodeNotificationReceived): Promise<void> {
    if (this.config.pipeline.quoteFlow !== 'trip') {
      this.logger.debug(`Avinode ${event.meta.type} ${event.payload.id} ignored: AVINODE_QUOTE_FLOW is not trip`);
      return;
    }
    const rfq = await this.rfqOf(event.payload.href);
    if (!rfq) return;
    await publishAndWait(this.events, new AvinodeRfqUpdated(rfq, event.meta.type, event.meta.webhookEventId));
  }

  private async call<R extends z.ZodType, A extends object>(
    contract: ToolContract<R, A>,
    args: A,
    idempotencyKey?: string,
  ): Promise<z.infer<R>> {
    try {
      return await this.mcp.call(contract, args, idempotencyKey ? { idempotencyKey } : {});
    } catch (error) {
      throw translateAvinodeError(error);
    }
  }
}
