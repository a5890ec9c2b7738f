import { z } from 'zod';

import { EMPLOYEE_RANGE_NAMES } from './apollo-reference.data.js';

// ---- shapes of results --------------------------------------------------------------------------------------

export const locationSchema = z.object({ city: z.string(), state: z.string(), country: z.string() });

export const organizationSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  domain: z.string(),
  industry: z.string(),
  employeeCount: z.number().int(),
  employeeRange: z.string(),
});

/** A person as the free people search shows it: no email or phone. */
export const leadSchema = z.object({
  id: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  name: z.string(),
  title: z.string().nullable(),
  seniority: z.string().nullable(),
  departments: z.array(z.string()),
  linkedinUrl: z.string().nullable(),
  location: locationSchema,
  organization: organizationSummarySchema.nullable(),
  /** Whether enrichment would reveal an email. */
  hasEmail: z.boolean(),
  updatedAt: z.string(),
});

/** A contact as a sync sees it: email and phone only once revealed by enrichment (or given by us). */
export const contactSchema = leadSchema.extend({
  email: z.string().nullable(),
  emailStatus: z.enum(['verified', 'unverified', 'unavailable']),
  phone: z.string().nullable(),
  enriched: z.boolean(),
  deleted: z.boolean(),
});

export const employmentEntrySchema = z.object({
  organizationName: z.string(),
  title: z.string(),
  startDate: z.string(),
  endDate: z.string().nullable(),
  current: z.boolean(),
});

export const enrichedPersonSchema = contactSchema.extend({ employmentHistory: z.array(employmentEntrySchema) });

export const organizationSchema = organizationSummarySchema.extend({
  websiteUrl: z.string(),
  linkedinUrl: z.string(),
  phone: z.string(),
  annualRevenue: z.number().int(),
  foundedYear: z.number().int(),
  headquarters: locationSchema,
  technologies: z.array(z.string()),
  contacts: z.array(contactSchema).optional(),
});

export const sequenceSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['active', 'completed']),
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

// ---- tool inputs and outputs --------------------------------------------------------------------------------

const isoDate = z.iso.date();
const timestamp = z.iso.datetime({ offset: true }).or(isoDate);

export const searchLeadsInput = z
  .object({
    jobTitle: z
      .string()
      .trim()
      .min(1)
      .optional()
      .describe('Substring of the job title; CEO, CFO, COO, EA and VP are understood'),
    industry: z.string().trim().min(1).optional().describe('Substring of the organization industry'),
    companySize: z.enum(EMPLOYEE_RANGE_NAMES).optional().describe('Employee range, e.g. 51-200'),
    location: z.string().trim().min(1).optional().describe('City, state, state code or country'),
    page: z.number().int().min(1).default(1),
    perPage: z.number().int().min(1).max(100).default(25),
  })
  .superRefine((input, ctx) => {
    if (!input.jobTitle && !input.industry && !input.companySize && !input.location) {
      ctx.addIssue({
        code: 'custom',
        message: 'at least one search criterion is required: jobTitle, industry, companySize or location',
      });
    }
  });

export const searchLeadsOutput = {
  leads: z.array(leadSchema),
  pagination: z.object({
    page: z.number().int(),
    perPage: z.number().int(),
    totalEntries: z.number().int(),
    totalPages: z.number().int(),
  }),
};

export const enrichContactInput = z
  .object({
    email: z.email().optional(),
    linkedinUrl: z.string().trim().min(1).optional(),
  })
  .superRefine((input, ctx) => {
    if (!input.email && !input.linkedinUrl) {
      ctx.addIssue({ code: 'custom', path: ['email'], message: 'email or linkedinUrl is required' });
    }
  });

export const enrichContactOutput = { person: enrichedPersonSchema };

export const getAccountDataInput = z.object({
  domain: z.string().trim().min(3).describe('Company domain, e.g. summitcapital.com (scheme and www. are ignored)'),
  includeContacts: z.boolean().default(true),
});

export const getAccountDataOutput = { organization: organizationSchema };

const stepInput = z.object({
  delayDays: z.number().int().min(0).max(365),
  subject: z.string().trim().min(1),
  template: z.string().optional(),
});

export const createSequenceInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    contactIds: z.array(z.string().min(1)).optional(),
    emails: z.array(z.email()).optional(),
    steps: z.array(stepInput).min(1).max(20),
  })
  .superRefine((input, ctx) => {
    if (!input.contactIds?.length && !input.emails?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['contactIds'],
        message: 'contactIds or emails must list at least one contact',
      });
    }
  });

export const createSequenceOutput = { sequence: sequenceSchema };

export const addContactsInput = z.object({
  sequenceId: z.string().min(1),
  contactIds: z.array(z.string().min(1)).min(1),
});

export const addContactsOutput = {
  sequenceId: z.string(),
  added: z.number().int(),
  alreadyPresent: z.number().int(),
  contactCount: z.number().int(),
};

export const trackEngagementInput = z
  .object({
    sequenceId: z.string().min(1),
    startDate: isoDate.describe('YYYY-MM-DD, inclusive'),
    endDate: isoDate.describe('YYYY-MM-DD, inclusive'),
  })
  .superRefine((input, ctx) => {
    if (input.endDate < input.startDate) {
      ctx.addIssue({ code: 'custom', path: ['endDate'], message: 'endDate must not be before startDate' });
    }
  });

export const trackEngagementOutput = {
  sequenceId: z.string(),
  sequenceStatus: z.enum(['active', 'completed']),
  startDate: z.string(),
  endDate: z.string(),
  sent: z.number().int(),
  delivered: z.number().int(),
  opened: z.number().int(),
  clicked: z.number().int(),
  replied: z.number().int(),
  bounced: z.number().int(),
  meetingsBooked: z.number().int(),
  rates: z.object({
    deliveryRate: z.number(),
    openRate: z.number(),
    clickRate: z.number(),
    replyRate: z.number(),
    bounceRate: z.number(),
    meetingRate: z.number(),
  }),
};

export const listContactsInput = z.object({
  updatedSince: timestamp.optional().describe('ISO timestamp or date; only contacts changed at or after it'),
  cursor: z.string().min(1).optional().describe('nextCursor of the previous page'),
  limit: z.number().int().min(1).max(1000).default(100),
});

export const listContactsOutput = {
  contacts: z.array(contactSchema),
  /** Null on the last page. */
  nextCursor: z.string().nullable(),
  hasMore: z.boolean(),
  /** Where to resume later for changes after this page (also on the last page). */
  syncCursor: z.string().nullable(),
};

/** Fields an admin data change may patch on a contact. */
export const contactPatchSchema = z
  .object({
    firstName: z.string().min(1),
    lastName: z.string(),
    title: z.string().min(1),
    seniority: z.string().min(1),
    departments: z.array(z.string()),
    city: z.string(),
    state: z.string(),
    country: z.string(),
    phone: z.string(),
    emailStatus: z.enum(['verified', 'unverified', 'unavailable']),
  })
  .partial()
  .strict();
