import { SandboxDataChangeError, type SandboxDefinition } from '../core/sandbox-definition.js';
import { renderContact } from './apollo.queries.js';
import { contactPatchSchema } from './apollo.schemas.js';
import { createApolloState, findById, touch, type ApolloState } from './apollo.state.js';
import { registerApolloOfficialTools } from './apollo-official.tools.js';
import { registerApolloTools } from './apollo.tools.js';

/** The Apollo sandbox: seeded people and organizations, sequences, engagement and a change feed for syncs. */
export const apolloSandbox: SandboxDefinition<ApolloState> = {
  name: 'apollo',
  createState: createApolloState,
  registerTools: registerApolloTools,
  applyDataChange(state, change, context) {
    if (change.collection !== 'contacts') {
      throw new SandboxDataChangeError(`unknown collection "${change.collection}" (apollo has: contacts)`);
    }
    const i = findById(state, change.id);
    if (i === undefined) throw new SandboxDataChangeError(`contact ${change.id} not found`);
    if (change.action === 'delete') {
      state.deleted.add(i);
      touch(state, i, context.now().getTime());
      context.emit('lead_updated', { lead: renderContact(state, i), changedFields: ['deleted'], source: 'upstream' });
      return { deleted: change.id };
    }
    const parsed = contactPatchSchema.safeParse(change.patch ?? {});
    if (!parsed.success) {
      const message = parsed.error.issues.map((issue) => `${['patch', ...issue.path].join('.')}: ${issue.message}`);
      throw new SandboxDataChangeError(message.join('; '), 400);
    }
    const fields = Object.keys(parsed.data);
    if (fields.length === 0) throw new SandboxDataChangeError('patch: name at least one field to change', 400);
    state.patches.set(i, { ...state.patches.get(i), ...parsed.data });
    touch(state, i, context.now().getTime());
    const lead = renderContact(state, i);
    context.emit('lead_updated', { lead, changedFields: fields, source: 'upstream' });
    return lead;
  },
};

/** Apollo's tool profiles: the JetVision contract (mcp-contracts.md) or the tools of Apollo's own hosted MCP server. */
export const APOLLO_PROFILES = ['jetvision', 'official'] as const;
export type ApolloProfile = (typeof APOLLO_PROFILES)[number];

/** The same data and admin changes as `apolloSandbox`, served through the official server's tools and shapes. */
export const apolloOfficialSandbox: SandboxDefinition<ApolloState> = {
  ...apolloSandbox,
  registerTools: registerApolloOfficialTools,
};
