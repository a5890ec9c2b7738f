import { z } from 'zod';
import { defineTool } from '../../common/mcp/tool-contract.js';

/*
 * The list tools the sync pages through, with result schemas matching the upstreams (the sandbox servers in
 * src/sandbox/* implement the same contracts). Objects are loose: a field an upstream adds later is kept in the stored
 * record (and in its hash) instead of failing the sync.
 */

const timestamp = z.string().min(1);

export const apolloContactSchema = z.looseObject({
  id: z.string().min(1),
  firstName: z.string(),
  lastName: z.string(),
  name: z.string(),
  title: z.string().nullable(),
  seniority: z.string().nullable(),
  departments: z.array(z.string()),
  linkedinUrl: z.string().nullable(),
  location: z.looseObject({ city: z.string(), state: z.string(), country: z.string() }),
  organization: z
    .looseObject({
      id: z.string(),
      name: z.string(),
      domain: z.string(),
      industry: z.string(),
      employeeCount: z.number(),
      employeeRange: z.string(),
    })
    .nullable(),
  hasEmail: z.boolean(),
  email: z.string().nullable(),
  emailStatus: z.string(),
  phone: z.string().nullable(),
  enriched: z.boolean(),
  deleted: z.boolean(),
  updatedAt: timestamp,
});
export type ApolloContact = z.infer<typeof apolloContactSchema>;

export const listContacts = defineTool({
  server: 'apollo',
  name: 'list-contacts',
  mode: 'read',
  input: z.object({
    updatedSince: z.string().optional(),
    cursor: z.string().optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  }),
  result: z.object({
    contacts: z.array(apolloContactSchema),
    nextCursor: z.string().nullable(),
    hasMore: z.boolean(),
    syncCursor: z.string().nullable(),
  }),
});

export const avinodeAvailabilitySchema = z.looseObject({
  id: z.string().min(1),
  aircraftId: z.string(),
  tailNumber: z.string(),
  date: z.string(),
  status: z.string(),
  bookingId: z.string().nullable(),
  updatedAt: timestamp,
  deletedAt: timestamp.nullable(),
});

const listChangesInput = z.object({
  updatedSince: z.string().optional(),
  cursor: z.string().optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});

export const listAvailability = defineTool({
  server: 'avinode',
  name: 'list-availability',
  mode: 'read',
  input: listChangesInput,
  result: z.object({
    availability: z.array(avinodeAvailabilitySchema),
    nextCursor: z.string().nullable(),
    hasMore: z.boolean(),
  }),
});

export const avinodeBookingSchema = z.looseObject({
  id: z.string().min(1),
  requestId: z.string(),
  bookingId: z.string().nullable(),
  status: z.string(),
  aircraft: z.looseObject({ id: z.string() }),
  operator: z.looseObject({ id: z.string(), name: z.string() }),
  route: z.looseObject({ departureAirport: z.string(), arrivalAirport: z.string() }),
  departureDate: z.string(),
  departureTime: z.string(),
  passengers: z.number().int(),
  contact: z.looseObject({ name: z.string(), email: z.string() }),
  createdAt: timestamp,
  updatedAt: timestamp,
  deletedAt: timestamp.nullable(),
});

export const listBookings = defineTool({
  server: 'avinode',
  name: 'list-bookings',
  mode: 'read',
  input: listChangesInput,
  result: z.object({
    bookings: z.array(avinodeBookingSchema),
    nextCursor: z.string().nullable(),
    hasMore: z.boolean(),
  }),
});

/** n8n-mcp 2.87 execution summary (list items, and `get` without a mode). */
export const n8nExecutionSchema = z.looseObject({
  id: z.string().min(1),
  finished: z.boolean(),
  mode: z.string(),
  status: z.string(),
  startedAt: timestamp,
  stoppedAt: timestamp.nullable().optional(),
  workflowId: z.string(),
});
export type N8nExecution = z.infer<typeof n8nExecutionSchema>;

/** `n8n_executions` with `action: "list"`: newest first, cursor pages of at most 100. */
export const listExecutions = defineTool({
  server: 'n8n',
  name: 'n8n_executions',
  mode: 'read',
  input: z.object({
    action: z.literal('list'),
    limit: z.number().int().min(1).max(100).optional(),
    cursor: z.string().optional(),
    workflowId: z.string().optional(),
    status: z.enum(['success', 'error', 'waiting']).optional(),
  }),
  result: z.object({
    executions: z.array(n8nExecutionSchema),
    returned: z.number().int().optional(),
    nextCursor: z.string().nullable().optional(),
    hasMore: z.boolean().optional(),
  }),
});

/** `n8n_executions` with `action: "get"`: one execution (not found is an error result). */
export const getExecution = defineTool({
  server: 'n8n',
  name: 'n8n_executions',
  mode: 'read',
  input: z.object({ action: z.literal('get'), id: z.string() }),
  result: n8nExecutionSchema,
});

export const SYNC_TOOL_CONTRACTS = [listContacts, listAvailability, listBookings, listExecutions, getExecution];
