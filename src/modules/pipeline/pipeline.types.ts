import type { PricedCandidate } from './aircraft-choice.js';

export type RunSource = 'api' | 'batch' | 'webhook';

/** One trip as the pipeline needs it. Money in USD cents, airports ICAO, dates YYYY-MM-DD, time HH:MM local. */
export interface FlightRequirements {
  departureAirport: string;
  arrivalAirport: string;
  departureDate: string;
  departureTime: string;
  passengers: number;
  returnDate?: string | null;
  aircraftCategory?: string | null;
  /** Highest acceptable quoted total, cents. */
  budget?: number | null;
  maxHourlyRate?: number | null;
  specialRequests?: string | null;
}

export type FlightTemplate = FlightRequirements;

export interface BatchSearchCriteria {
  jobTitle?: string;
  industry?: string;
  companySize?: string;
  location?: string;
  /** How many leads to take from the search (default 50). */
  limit?: number;
}

export interface BatchLead {
  apolloId: string;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  linkedinUrl: string | null;
  company: string | null;
  companyDomain: string | null;
}

export interface AircraftChoiceRecord {
  aircraftId: string;
  operatorId: string;
  quoteId: string;
  total: number;
  currency: string;
  reason: string;
  candidatesConsidered: number;
  fittingAircraft: number;
  /** Avinode's trip flow: the winning seller lift (reported with the CONVERTED outcome) and its RFQ. */
  liftId?: string | null;
  rfqId?: string | null;
}

export type { PricedCandidate };
