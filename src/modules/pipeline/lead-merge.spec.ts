import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { type LeadProfile, leadName, mergeLead } from './lead-merge.js';

describe('mergeLead', () => {
  it('adds what is missing and reports it', () => {
    const { lead, added } = mergeLead(
      { email: 'ana@acme.com', firstName: 'Ana' },
      { email: 'ana@acme.com', lastName: 'Ruiz', phone: '+1 555 0100', emailStatus: 'verified' },
    );
    expect(lead).toMatchObject({ email: 'ana@acme.com', firstName: 'Ana', lastName: 'Ruiz', phone: '+1 555 0100' });
    expect(lead.emailStatus).toBe('verified');
    expect(added.sort()).toEqual(['emailStatus', 'lastName', 'phone']);
  });

  it('never overwrites a known value with an empty or different one', () => {
    const { lead, added } = mergeLead(
      { email: 'ana@acme.com', title: 'CEO', phone: '+1 555 0100', location: { city: 'Austin' } },
      { email: '', title: 'Founder', phone: null, location: { city: '', state: 'TX' } },
    );
    expect(lead).toEqual({
      email: 'ana@acme.com',
      title: 'CEO',
      phone: '+1 555 0100',
      location: { city: 'Austin', state: 'TX' },
    });
    expect(added).toEqual(['location.state']);
  });

  it('only improves the email status, and only for the email it keeps', () => {
    expect(
      mergeLead({ email: 'a@b.co', emailStatus: 'verified' }, { emailStatus: 'unverified' }).lead.emailStatus,
    ).toBe('verified');
    expect(
      mergeLead({ email: 'a@b.co', emailStatus: 'unverified' }, { email: 'other@b.co', emailStatus: 'verified' }).lead
        .emailStatus,
    ).toBe('unverified');
    expect(mergeLead({ email: 'a@b.co' }, { email: 'A@B.co', emailStatus: 'unavailable' }).lead.emailStatus).toBe(
      'unavailable',
    );
  });

  it('unites departments', () => {
    expect(mergeLead({ departments: ['finance'] }, { departments: ['finance', 'executive'] }).lead.departments).toEqual(
      ['finance', 'executive'],
    );
  });

  it('property: every non-empty known value survives any enrichment', () => {
    const text = fc.option(fc.string({ maxLength: 6 }), { nil: null });
    const profile = fc.record(
      {
        email: text,
        firstName: text,
        lastName: text,
        title: text,
        phone: text,
        company: text,
        emailStatus: fc.option(fc.constantFrom('verified', 'unverified', 'unavailable' as const), { nil: null }),
        departments: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    ) as fc.Arbitrary<LeadProfile>;
    fc.assert(
      fc.property(profile, profile, (known, incoming) => {
        const { lead } = mergeLead(known, incoming);
        for (const field of ['email', 'firstName', 'lastName', 'title', 'phone', 'company'] as const) {
          const before = known[field];
          if (typeof before === 'string' && before.trim() !== '') expect(lead[field]).toBe(before);
        }
        for (const department of known.departments ?? []) expect(lead.departments).toContain(department);
        // Merging the same enrichment twice changes nothing more.
        expect(mergeLead(lead, incoming).lead).toEqual(lead);
      }),
    );
  });

  it('names a lead from its parts', () => {
    expect(leadName({ firstName: 'Ana', lastName: 'Ruiz' })).toBe('Ana Ruiz');
    expect(leadName({})).toBeNull();
  });
});
