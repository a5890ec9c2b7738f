// The parts of the API's answers the console reads (the OpenAPI document at /docs has them in full).

export interface ServerDiagnostics {
  server: string;
  url: string;
  embedded: boolean;
  state: string;
  breaker: string;
  lastError: { kind: string; message: string; at: string } | null;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; samples: number };
  calls: { total: number; succeeded: number; failed: number };
}

export interface IntegrationStatus {
  service: { name: string; version: string; status: string; startedAt: string; database: string };
  servers: Record<string, ServerDiagnostics>;
}

export interface RunCountWindow {
  since: string;
  total: number;
  byStatus: Record<string, number>;
}

export interface RunCounts {
  today: RunCountWindow;
  last7Days: RunCountWindow;
}

export interface ConsistencyIssue {
  type: string;
  stream: string;
  count: number;
  description: string;
  examples: Array<{ id?: string; fields?: string[]; detail?: string }>;
}

export interface ConsistencyReport {
  id: string;
  checkedAt: string;
  score: number;
  mode: string;
  streams: Array<{ stream: string; score: number; error?: string }>;
  issues: ConsistencyIssue[];
  recommendations: string[];
}

export interface ConsistencyHistory {
  latest: ConsistencyReport | null;
  history: Array<{ id: string; checkedAt: string; score: number; mode: string }>;
}

export interface StreamStatus {
  stream: string;
  server: string;
  running: boolean;
  schedule: { enabled: boolean; intervalSeconds: number; nextRunAt: string | null };
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  lastFullSyncAt: string | null;
  records: { live: number; deleted: number };
}

export interface SyncStatus {
  schedulerEnabled: boolean;
  streams: StreamStatus[];
  consistency: { id: string; score: number; checkedAt: string } | null;
}

export interface WebhookDescription {
  sources: Array<{ name: string; eventTypes: Array<{ type: string }> }>;
  counts: Record<string, number>;
}

export interface Page<T> {
  items: T[];
  page: { nextCursor: string | null; limit: number };
}

export interface RunSummary {
  id: string;
  status: string;
  source: string;
  batchId: string | null;
  failureReason: string | null;
  failedStep: string | null;
  failureMessage: string | null;
  lead: { email?: string; firstName?: string; lastName?: string; company?: string; title?: string } & Record<
    string,
    unknown
  >;
  flight: { departureAirport: string; arrivalAirport: string; departureDate: string; passengers: number };
  candidates: Array<{
    aircraftId: string;
    operator?: { id?: string; name?: string; safetyRating?: string };
    quote?: { quoteId?: string; total?: number };
    note?: string;
  }> | null;
  choice: { aircraftId: string; quoteId: string; total: number; reason: string } | null;
  charterRequestId: string | null;
  bookingId: string | null;
  /** `trip`: the run got its quotes through an Avinode trip (sellers answering over time); `instant`: at once. */
  quotePath?: 'instant' | 'trip' | null;
  avinodeTrip?: {
    tripId: string;
    /** The broker's deep link into Avinode's web application, where RFQs are sent. */
    searchInAvinode: string | null;
    quotesDueAt: string | null;
    closedUpstreamAt: string | null;
    quotes?: Array<{ rfqId: string; status: string }>;
  } | null;
  steps?: Array<{
    step: string;
    status: string;
    attempts: number;
    startedAt: string | null;
    durationMs: number | null;
    errors: unknown[];
  }>;
  createdAt: string;
  finishedAt: string | null;
}

export interface BatchCounts {
  id: string;
  status: string;
  finished: boolean;
  batchSize: number;
  total: number | null;
  started: number;
  booked: number;
  inProgress: number;
  awaitingConfirmation: number;
  notStarted: number;
  error: string | null;
  searchCriteria: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface BatchSummary extends BatchCounts {
  failed: number;
}

export interface BatchLead {
  index: number;
  apolloId: string;
  name: string | null;
  runId: string | null;
  status: string;
  reason: string | null;
  message: string | null;
}

export interface BatchReport extends BatchCounts {
  failed: BatchLead[];
  charterRequested: number;
  queued: number;
  flightTemplate: { departureAirport: string; arrivalAirport: string; departureDate: string; passengers: number };
  leads: BatchLead[];
}

export interface LineItem {
  code: string;
  description: string;
  kind: 'charge' | 'tax';
  amount: number;
}

export interface Pricing {
  tripType: string;
  flightHours: number;
  positioningHours: number;
  billableHours: number;
  nightsAway: number;
  lineItems: LineItem[];
  subtotal: number;
  taxes: number;
  total: number;
}

export interface AircraftOption {
  aircraftId: string;
  tailNumber: string;
  manufacturer: string;
  model: string;
  category: string;
  seats: number;
  yearOfManufacture: number;
  hourlyRate: number;
  homeBase: string;
  operator: { id: string; name: string; safetyRating: string };
  estimatedFlightHours: number;
  estimatedTotal: number;
}

export interface AircraftSearch {
  search: {
    departureAirport: string;
    arrivalAirport: string;
    departureDate: string;
    passengers: number;
    distanceNm: number;
  };
  items: AircraftOption[];
  page: { page: number; perPage: number; totalItems: number; totalPages: number };
}

export interface Quote extends Pricing {
  id: string;
  aircraftId: string;
  operatorId: string;
  passengers: number;
  validUntil: string;
}

export interface Booking {
  id: string;
  requestId: string;
  bookingId: string | null;
  status: string;
  aircraft: { id: string; tailNumber: string; model: string; category: string; seats: number };
  operator: { id: string; name: string };
  route: { departureAirport: string; arrivalAirport: string };
  departureDate: string;
  departureTime: string;
  departureAt: string;
  returnDate: string | null;
  passengers: number;
  contact: { name: string; email: string; phone: string | null; company: string | null };
  specialRequests: string | null;
  quoteId: string;
  pricing: Pricing;
  payment: {
    method: string;
    depositPercent: number;
    depositAmount: number;
    depositPaidAt: string;
    balanceAmount: number;
    balanceDueAt: string;
  } | null;
  cancellation: {
    reason: string;
    noticeHours: number;
    feePercent: number;
    feeAmount: number;
    refundAmount: number;
    amountOwed: number;
  } | null;
  history: Array<{ at: string; action: string; from: string | null; to: string }>;
}

export interface OperatorProfile {
  id: string;
  name: string;
  country: string;
  certificate: { authority: string; type: string; number: string };
  headquarters: string;
  bases: string[];
  foundedYear: number;
  fleetSize: number;
  safetyRating: string;
  safety: { argus: string | null; wyvern: string | null; isBao: string | null; lastAuditDate: string };
  insurance: { liabilityCoverage: number; insurer: string };
  fleet?: Array<{
    id: string;
    tailNumber: string;
    model: string;
    category: string;
    seats: number;
    hourlyRate: number;
    homeBase: string;
    status: string;
    availableDaysNext30: number;
  }>;
  safetyRecords?: {
    incidentCount: number;
    accidentCount: number;
    incidents: Array<{ date: string; severity: string; aircraftModel: string; description: string; injuries: number }>;
  };
}
