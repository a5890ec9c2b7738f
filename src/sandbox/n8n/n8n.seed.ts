import {
  DEFAULT_WORKFLOW_SETTINGS,
  seededRandom,
  timingOf,
  uuid,
  workflowId,
  type N8nConnections,
  type N8nExecution,
  type N8nExecutionStatus,
  type N8nNode,
  type N8nNodeRun,
  type N8nState,
  type N8nStateOptions,
  type N8nTag,
  type N8nWorkflow,
} from './n8n.state.js';

/** Seeded instance: a handful of JetVision-style workflows (some active) and a week of execution history. */

type NodeSpec = Omit<N8nNode, 'id' | 'position'>;

interface WorkflowSpec {
  name: string;
  active: boolean;
  tags: string[];
  nodes: NodeSpec[];
  /** Source node name → target node names (main output 0), or per-output lists for If nodes. */
  links: [string, string, number?][];
  /** Typical outcome mix of past runs. */
  errorRate: number;
}

const SPECS: WorkflowSpec[] = [
  {
    name: 'JetVision – Lead intake (Apollo → CRM)',
    active: true,
    tags: ['jetvision', 'leads'],
    errorRate: 0.08,
    nodes: [
      {
        name: 'Webhook',
        type: 'n8n-nodes-base.webhook',
        typeVersion: 2,
        parameters: { httpMethod: 'POST', path: 'jetvision/lead-intake', responseMode: 'responseNode', options: {} },
      },
      {
        name: 'Normalize lead',
        type: 'n8n-nodes-base.set',
        typeVersion: 3.4,
        parameters: {
          assignments: {
            assignments: [
              { id: 'a1', name: 'email', value: '={{ $json.body.email }}', type: 'string' },
              { id: 'a2', name: 'company', value: '={{ $json.body.company }}', type: 'string' },
              { id: 'a3', name: 'source', value: 'apollo', type: 'string' },
            ],
          },
          options: {},
        },
      },
      {
        name: 'Push to CRM',
        type: 'n8n-nodes-base.httpRequest',
        typeVersion: 4.2,
        parameters: { method: 'POST', url: 'https://crm.example.com/api/leads', sendBody: true, options: {} },
      },
      {
        name: 'Respond to Webhook',
        type: 'n8n-nodes-base.respondToWebhook',
        typeVersion: 1.1,
        parameters: {
          respondWith: 'json',
          responseBody: '={{ { "received": true, "executionId": $execution.id } }}',
          options: {},
        },
      },
    ],
    links: [
      ['Webhook', 'Normalize lead'],
      ['Normalize lead', 'Push to CRM'],
      ['Push to CRM', 'Respond to Webhook'],
    ],
  },
  {
    name: 'JetVision – Booking confirmation email',
    active: true,
    tags: ['jetvision', 'bookings'],
    errorRate: 0.05,
    nodes: [
      {
        name: 'Webhook',
        type: 'n8n-nodes-base.webhook',
        typeVersion: 2,
        parameters: { httpMethod: 'POST', path: 'jetvision/booking-confirmed', options: {} },
      },
      {
        name: 'Compose email',
        type: 'n8n-nodes-base.set',
        typeVersion: 3.4,
        parameters: {
          assignments: {
            assignments: [
              { id: 'b1', name: 'to', value: '={{ $json.body.contact.email }}', type: 'string' },
              {
                id: 'b2',
                name: 'subject',
                value: '=Your charter {{ $json.body.bookingId }} is confirmed',
                type: 'string',
              },
            ],
          },
          options: {},
        },
      },
      {
        name: 'Send Email',
        type: 'n8n-nodes-base.emailSend',
        typeVersion: 2.1,
        parameters: {
          fromEmail: 'charters@jetvision.example',
          toEmail: '={{ $json.to }}',
          subject: '={{ $json.subject }}',
          emailFormat: 'text',
          text: 'Thank you for flying with JetVision.',
          options: {},
        },
        credentials: { smtp: { id: 'smtp1', name: 'JetVision SMTP' } },
      },
    ],
    links: [
      ['Webhook', 'Compose email'],
      ['Compose email', 'Send Email'],
    ],
  },
  {
    name: 'Ops – Daily empty-leg digest',
    active: true,
    tags: ['ops'],
    errorRate: 0.1,
    nodes: [
      {
        name: 'Schedule Trigger',
        type: 'n8n-nodes-base.scheduleTrigger',
        typeVersion: 1.2,
        parameters: { rule: { interval: [{ field: 'days', triggerAtHour: 7 }] } },
      },
      {
        name: 'Fetch empty legs',
        type: 'n8n-nodes-base.httpRequest',
        typeVersion: 4.2,
        parameters: { method: 'GET', url: 'https://sandbox.avinode.example/api/emptylegs', options: {} },
      },
      {
        name: 'Wait for market open',
        type: 'n8n-nodes-base.wait',
        typeVersion: 1.1,
        parameters: { amount: 30, unit: 'minutes' },
      },
      {
        name: 'Post to #charter-desk',
        type: 'n8n-nodes-base.slack',
        typeVersion: 2.2,
        parameters: {
          select: 'channel',
          channelId: { __rl: true, value: '#charter-desk', mode: 'name' },
          text: 'Empty legs today',
        },
        credentials: { slackApi: { id: 'slack1', name: 'Ops Slack' } },
      },
    ],
    links: [
      ['Schedule Trigger', 'Fetch empty legs'],
      ['Fetch empty legs', 'Wait for market open'],
      ['Wait for market open', 'Post to #charter-desk'],
    ],
  },
  {
    name: 'Quote follow-up (draft)',
    active: false,
    tags: ['jetvision', 'quotes'],
    errorRate: 0,
    nodes: [
      {
        name: 'Webhook',
        type: 'n8n-nodes-base.webhook',
        typeVersion: 2,
        parameters: { httpMethod: 'POST', path: 'jetvision/quote-follow-up', options: {} },
      },
      {
        name: 'Quote still open?',
        type: 'n8n-nodes-base.if',
        typeVersion: 2,
        parameters: {
          conditions: {
            options: { caseSensitive: true, leftValue: '', typeValidation: 'strict' },
            conditions: [
              {
                id: 'c1',
                leftValue: '={{ $json.body.status }}',
                rightValue: 'open',
                operator: { type: 'string', operation: 'equals' },
              },
            ],
            combinator: 'and',
          },
          options: {},
        },
      },
      {
        name: 'Nudge sales',
        type: 'n8n-nodes-base.slack',
        typeVersion: 2.2,
        parameters: {
          select: 'channel',
          channelId: { __rl: true, value: '#sales', mode: 'name' },
          text: '=Quote {{ $json.body.quoteId }} is still open',
        },
        credentials: { slackApi: { id: 'slack1', name: 'Ops Slack' } },
      },
      { name: 'Nothing to do', type: 'n8n-nodes-base.noOp', typeVersion: 1, parameters: {} },
    ],
    links: [
      ['Webhook', 'Quote still open?'],
      ['Quote still open?', 'Nudge sales', 0],
      ['Quote still open?', 'Nothing to do', 1],
    ],
  },
  {
    name: 'Error handler – notify #ops',
    active: true,
    tags: ['ops'],
    errorRate: 0,
    nodes: [
      { name: 'Error Trigger', type: 'n8n-nodes-base.errorTrigger', typeVersion: 1, parameters: {} },
      {
        name: 'Alert #ops',
        type: 'n8n-nodes-base.slack',
        typeVersion: 2.2,
        parameters: {
          select: 'channel',
          channelId: { __rl: true, value: '#ops', mode: 'name' },
          text: '=Workflow {{ $json.workflow.name }} failed',
        },
        credentials: { slackApi: { id: 'slack1', name: 'Ops Slack' } },
      },
    ],
    links: [['Error Trigger', 'Alert #ops']],
  },
  {
    name: 'Legacy – manual CSV import',
    active: false,
    tags: [],
    errorRate: 0,
    nodes: [
      {
        name: "When clicking 'Execute workflow'",
        type: 'n8n-nodes-base.manualTrigger',
        typeVersion: 1,
        parameters: {},
      },
      {
        name: 'Parse CSV',
        type: 'n8n-nodes-base.code',
        typeVersion: 2,
        parameters: { jsCode: 'return $input.all();' },
      },
      {
        name: 'Append to sheet',
        type: 'n8n-nodes-base.googleSheets',
        typeVersion: 4.5,
        parameters: {
          operation: 'append',
          documentId: { __rl: true, value: 'sheet-id', mode: 'id' },
          sheetName: { __rl: true, value: 'Leads', mode: 'name' },
        },
      },
    ],
    links: [
      ["When clicking 'Execute workflow'", 'Parse CSV'],
      ['Parse CSV', 'Append to sheet'],
    ],
  },
];

function buildConnections(links: WorkflowSpec['links']): N8nConnections {
  const connections: N8nConnections = {};
  for (const [source, target, output = 0] of links) {
    const main = (connections[source] ??= { main: [] }).main ?? [];
    while (main.length <= output) main.push([]);
    main[output]?.push({ node: target, type: 'main', index: 0 });
    (connections[source] ??= {}).main = main;
  }
  return connections;
}

export function createN8nState(options: N8nStateOptions): N8nState {
  const random = seededRandom(options.seed);
  const now = options.now.getTime();
  const day = 86_400_000;
  const tagsByName = new Map<string, N8nTag>();
  const state: N8nState = {
    workflows: new Map(),
    executions: new Map(),
    nextExecutionId: 1000,
    timing: timingOf(options),
    timers: new Map(),
    n8nVersion: '2.8.4',
    apiUrl: 'http://localhost:5678',
    random,
  };
  const tag = (name: string): N8nTag => {
    let t = tagsByName.get(name);
    if (!t) {
      const at = new Date(now - 60 * day).toISOString();
      t = { id: workflowId(random), name, createdAt: at, updatedAt: at };
      tagsByName.set(name, t);
    }
    return t;
  };

  const created: N8nWorkflow[] = SPECS.map((spec, i) => {
    const createdAt = new Date(now - (40 - i * 5) * day - Math.floor(random() * day));
    const updatedAt = new Date(createdAt.getTime() + Math.floor(random() * 10 * day));
    const nodes: N8nNode[] = spec.nodes.map((n, j) => ({
      id: uuid(random),
      ...structuredClone(n),
      position: [j * 220, 300] as [number, number],
      ...(n.type === 'n8n-nodes-base.webhook' ? { webhookId: uuid(random) } : {}),
    }));
    const versionId = uuid(random);
    const workflow: N8nWorkflow = {
      id: workflowId(random),
      name: spec.name,
      active: spec.active,
      isArchived: false,
      createdAt: createdAt.toISOString(),
      updatedAt: updatedAt.toISOString(),
      nodes,
      connections: buildConnections(spec.links),
      settings: { ...DEFAULT_WORKFLOW_SETTINGS },
      staticData: null,
      meta: null,
      pinData: {},
      versionId,
      activeVersionId: spec.active ? versionId : null,
      triggerCount: spec.active ? 1 : 0,
      tags: spec.tags.map(tag),
    };
    state.workflows.set(workflow.id, workflow);
    return workflow;
  });

  // A week of history for the active, externally triggered workflows, oldest first so ids grow with time.
  const history: { workflow: N8nWorkflow; startedAt: number; status: N8nExecutionStatus; spec: WorkflowSpec }[] = [];
  created.forEach((workflow, i) => {
    const spec = SPECS[i];
    if (!spec || !workflow.active || spec.errorRate === 0) return;
    const runs = 4 + Math.floor(random() * 5);
    for (let r = 0; r < runs; r++) {
      const startedAt = now - Math.floor(random() * 7 * day) - 60_000;
      history.push({ workflow, startedAt, status: random() < spec.errorRate * 2 ? 'error' : 'success', spec });
    }
  });
  history.sort((a, b) => a.startedAt - b.startedAt);
  const digest = created[2];
  if (digest) {
    history.push({ workflow: digest, startedAt: now - 10 * 60_000, status: 'waiting', spec: SPECS[2] as WorkflowSpec });
  }
  const intake = created[0];
  if (intake) {
    history.push({ workflow: intake, startedAt: now - 5 * 60_000, status: 'canceled', spec: SPECS[0] as WorkflowSpec });
  }
  for (const { workflow, startedAt, status } of history) {
    const duration = 120 + Math.floor(random() * 900);
    const id = String(state.nextExecutionId++);
    const runData: Record<string, N8nNodeRun[]> = {};
    let clock = startedAt;
    const failIndex = status === 'error' ? workflow.nodes.length - 1 : -1;
    const lastIndex =
      status === 'waiting' || status === 'canceled'
        ? Math.min(2, workflow.nodes.length - 1)
        : workflow.nodes.length - 1;
    let lastNode = '';
    workflow.nodes.slice(0, lastIndex + 1).forEach((node, j) => {
      const executionTime = Math.max(1, Math.round(duration / workflow.nodes.length));
      const failed = j === failIndex;
      runData[node.name] = [
        {
          startTime: clock,
          executionTime,
          executionStatus: failed ? 'error' : 'success',
          source: j === 0 ? [] : [{ previousNode: workflow.nodes[j - 1]?.name ?? '' }],
          ...(failed
            ? {
                error: {
                  message: 'The service was not able to process your request',
                  name: 'NodeApiError',
                  node: node.name,
                },
              }
            : { data: { main: [[{ json: { ok: true } }]] } }),
        },
      ];
      clock += executionTime;
      lastNode = node.name;
    });
    const stopped = status === 'waiting' ? null : new Date(startedAt + duration).toISOString();
    const execution: N8nExecution = {
      id,
      finished: status === 'success',
      mode: workflow.nodes[0]?.type === 'n8n-nodes-base.webhook' ? 'webhook' : 'trigger',
      retryOf: null,
      retrySuccessId: null,
      status,
      createdAt: new Date(startedAt).toISOString(),
      startedAt: new Date(startedAt).toISOString(),
      stoppedAt: stopped,
      workflowId: workflow.id,
      waitTill: status === 'waiting' ? new Date(now + 20 * 60_000).toISOString() : null,
      customData: {},
      data: {
        resultData: {
          runData,
          lastNodeExecuted: lastNode,
          ...(status === 'error'
            ? {
                error: {
                  message: 'The service was not able to process your request',
                  name: 'NodeApiError',
                  node: lastNode,
                  description:
                    'Service unavailable - try again later or consider setting this node to retry automatically',
                },
              }
            : {}),
        },
      },
    };
    state.executions.set(id, execution);
  }
  return state;
}
