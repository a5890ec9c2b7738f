import { z } from 'zod';
import { defineTool } from '../../common/mcp/tool-contract.js';

/**
 * The Apollo MCP tools of the `jetvision` profile (mcp-contracts.md); `apollo-official.contracts.ts` holds those of
 * Apollo's hosted server. The tools this backend depends on (mcp-contracts.md), with the result shapes of the sandbox server
 * (src/sandbox/apollo/apollo.schemas.ts): camelCase fields, ids of 24 hex digits. Inputs are typed here; the server
 * validates them.
 */

export const EMPLOYEE_RANGES = [
  '1-10',
  '11-50',
  '51-200',
  '201-500',
  '501-1000',
  '1001-5000',
  '5001-10000',
  '10001+',
] as const;
export type EmployeeRange = (typeof EMPLOYEE_RANGES)[number];

export const EMAIL_STATUSES = ['verified', 'unverified', 'unavailable'] as const;
export const SEQUENCE_STATUSES = ['active', 'completed'] as const;

const location = z.object({ city: z.string(), state: z.string(), country: z.string() });

const organizationSummary = z.object({
  id: z.string(),
  name: z.string(),
  domain: z.string(),
  industry: z.string(),
  employeeCount: z.number().int(),
  employeeRange: z.string(),
});

export const leadSchema = z.object({
  id: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  name: z.string(),
  title: z.string().nullable(),
  seniority: z.string().nullable(),
  departments: z.array(z.string()),
  linkedinUrl: z.string().nullable(),
  location,
  organization: organizationSummary.nullable(),
  /** Whether enrichment would reveal an email (search results never carry one). */
  hasEmail: z.boolean(),
  updatedAt: z.string(),
});
export type ApolloLead = z.infer<typeof leadSchema>;

export const contactSchema = leadSchema.extend({
  email: z.string().nullable(),
  emailStatus: z.enum(EMAIL_STATUSES),
  phone: z.string().nullable(),
  enriched: z.boolean(),
  deleted: z.boolean(),
});
export type ApolloContact = z.infer<typeof contactSchema>;

export const personSchema = contactSchema.extend({
  employmentHistory: z.array(
    z.object({
      organizationName: z.string(),
      title: z.string(),
      startDate: z.string(),
      endDate: z.string().nullable(),
      current: z.boolean(),
    }),
  ),
});
export type ApolloPerson = z.infer<typeof personSchema>;

export const organizationSchema = organizationSummary.extend({
  websiteUrl: z.string(),
  linkedinUrl: z.string(),
  phone: z.string(),
  annualRevenue: z.number().int(),
  foundedYear: z.number().int(),
  headquarters: location,
  technologies: z.array(z.string()),
  contacts: z.array(contactSchema).optional(),
});
export type ApolloOrganization = z.infer<typeof organizationSchema>;

export const sequenceSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(SEQUENCE_STATUSES),
  contactCount: z.number().int(),
  contactIds: z.array(z.string()),
  steps: z.array(
    z.object({
      position: z.number().int(),
      delayDays: z.number().int(),
      subject: z.string(),
      template: z.string().nullable(),
    }),
  ),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().nullable(),
});
export type ApolloSequence = z.infer<typeof sequenceSchema>;

const engagementRates = z.object({
  deliveryRate: z.number(),
  openRate: z.number(),
  clickRate: z.number(),
  replyRate: z.number(),
  bounceRate: z.number(),
  meetingRate: z.number(),
});

export const engagementSchema = z.object({
  sequenceId: z.string(),
  sequenceStatus: z.enum(SEQUENCE_STATUSES),
  startDate: z.string(),
  endDate: z.string(),
  sent: z.number().int(),
  delivered: z.number().int(),
  opened: z.number().int(),
  clicked: z.number().int(),
  replied: z.number().int(),
  bounced: z.number().int(),
  meetingsBooked: z.number().int(),
  rates: engagementRates,
});
export type ApolloEngagement = z.infer<typeof engagementSchema>;

// ---- tools ----------------------------------------------------------------------------------------------------------

export interface LeadCriteria {
  /** Substring of the job title; CEO/CFO/COO/CTO/CMO/EA are understood. */
  jobTitle?: string;
  /** Substring of the organization's industry. */
  industry?: string;
  /** Apollo employee range, e.g. `51-200`. */
  companySize?: EmployeeRange;
  /** City, state, state code or country. */
  location?: string;
  page?: number;
  /** At most 100. */
  perPage?: number;
}

export const searchLeadsTool = defineTool({
  server: 'apollo',
  profile: 'jetvision',
  name: 'search-leads',
  mode: 'read',
  input: z.custom<LeadCriteria>(),
  result: z.object({
    leads: z.array(leadSchema),
    pagination: z.object({
      page: z.number().int(),
      perPage: z.number().int(),
      totalEntries: z.number().int(),
      totalPages: z.number().int(),
    }),
  }),
});

export type EnrichContactArgs = { email: string; linkedinUrl?: string } | { email?: string; linkedinUrl: string };

export const enrichContactTool = defineTool({
  server: 'apollo',
  profile: 'jetvision',
  name: 'enrich-contact',
  // Enrichment reveals an email once (a change upstream); asking again changes nothing, so the service passes an
  // idempotency key derived from the arguments, which makes the client retry it like a read.
  mode: 'write',
  input: z.custom<EnrichContactArgs>(),
  result: z.object({ person: personSchema }),
});

export const getAccountDataTool = defineTool({
  server: 'apollo',
  profile: 'jetvision',
  name: 'get-account-data',
  mode: 'read',
  input: z.custom<{ domain: string; includeContacts?: boolean }>(),
  result: z.object({ organization: organizationSchema }),
});

export interface SequenceStepInput {
  delayDays: number;
  subject: string;
  template?: string;
}

export const createEmailSequenceTool = defineTool({
  server: 'apollo',
  profile: 'jetvision',
  name: 'create-email-sequence',
  mode: 'write',
  input: z.custom<{ name: string; contactIds?: string[]; emails?: string[]; steps: SequenceStepInput[] }>(),
  result: z.object({ sequence: sequenceSchema }),
});

export const addContactsToSequenceTool = defineTool({
  server: 'apollo',
  profile: 'jetvision',
  name: 'add-contacts-to-sequence',
  // A contact already present is counted, not duplicated: repeating is harmless, so the service passes a derived
  // idempotency key (the tool takes none; the key only allows retries).
  mode: 'write',
  input: z.custom<{ sequenceId: string; contactIds: string[] }>(),
  result: z.object({
    sequenceId: z.string(),
    added: z.number().int(),
    alreadyPresent: z.number().int(),
    contactCount: z.number().int(),
  }),
});

export const trackEngagementTool = defineTool({
  server: 'apollo',
  profile: 'jetvision',
  name: 'track-engagement',
  mode: 'read',
  input: z.custom<{ sequenceId: string; startDate: string; endDate: string }>(),
  result: engagementSchema,
});

/**
 * A contact as the change feed delivers it to the sync. Loose at every level: a field the upstream adds later is kept
 * in the stored record (and its hash) instead of failing the sync, and a new enum value does not stop a stream.
 */
export const syncedContactSchema = contactSchema
  .extend({
    location: location.loose(),
    organization: organizationSummary.loose().nullable(),
    emailStatus: z.string(),
  })
  .loose();
export type SyncedApolloContact = z.infer<typeof syncedContactSchema>;

/** The contact change feed (for the sync): contacts changed since `updatedSince`, in stable order. */
export const listContactsTool = defineTool({
  server: 'apollo',
  profile: 'jetvision',
  name: 'list-contacts',
  mode: 'read',
  input: z.custom<{ updatedSince?: string; cursor?: string; limit?: number }>(),
  result: z.object({
    contacts: z.array(syncedContactSchema),
    nextCursor: z.string().nullable(),
    hasMore: z.boolean(),
    syncCursor: z.string().nullable(),
  }),
});

export const APOLLO_TOOLS = [
  searchLeadsTool,
  enrichContactTool,
  getAccountDataTool,
  createEmailSequenceTool,
  addContactsToSequenceTool,
  trackEngagementTool,
  listContactsTool,
] as const;
