import { applyDecorators, Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { RequiresScope } from '../../common/auth/requires-scope.decorator.js';
import { ApiBadRequestResponse, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { CursorPage } from '../../common/http/pagination.js';
import type { N8nWorkflowResult } from './n8n.contracts.js';
import {
  ExecutionParams,
  ListExecutionsQuery,
  ListWorkflowsQuery,
  WorkflowActionBody,
  WorkflowActivationBody,
  WorkflowParams,
} from './n8n.dto.js';
import { type ExecutionSummary, N8nExecutionsService, type WorkflowRun } from './n8n-executions.service.js';
import { N8nWorkflowsService, type WorkflowState, type WorkflowSummary } from './n8n-workflows.service.js';

const SUMMARY_EXAMPLE = {
  id: 'VxR3kq9PZ2mB1cLd',
  name: 'JetVision – Lead intake (Apollo → CRM)',
  active: true,
  isArchived: false,
  createdAt: '2026-01-05T08:00:00.000Z',
  updatedAt: '2026-01-09T17:12:44.000Z',
  tags: ['jetvision', 'leads'],
  nodeCount: 4,
};
const EXECUTION_EXAMPLE = {
  id: '1042',
  workflowId: SUMMARY_EXAMPLE.id,
  status: 'success',
  finished: true,
  mode: 'webhook',
  startedAt: '2026-01-10T09:30:00.000Z',
  stoppedAt: '2026-01-10T09:30:00.412Z',
};
const WORKFLOW_EXAMPLE = {
  ...SUMMARY_EXAMPLE,
  nodes: [
    {
      id: 'b2f0c7de-6b1e-4a0e-9d55-0c2f3f1f8a11',
      name: 'Webhook',
      type: 'n8n-nodes-base.webhook',
      typeVersion: 2,
      position: [0, 0],
      parameters: { httpMethod: 'POST', path: 'jetvision/lead-intake', responseMode: 'responseNode', options: {} },
    },
    {
      id: '0d7c5a3e-2f41-4c55-b7b6-0d8e6b1f3a22',
      name: 'Respond',
      type: 'n8n-nodes-base.respondToWebhook',
      typeVersion: 1.1,
      position: [220, 0],
      parameters: { respondWith: 'json', responseBody: '={{ { "received": true } }}', options: {} },
    },
  ],
  connections: { Webhook: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] } },
  settings: { executionOrder: 'v1' },
};

function problem(status: number, code: string, title: string, detail: string, extra: Record<string, unknown> = {}) {
  return {
    type: `https://jetvision.dev/problems/${code.replace(/_/g, '-')}`,
    title,
    status,
    detail,
    instance: '/api/integration/workflows',
    requestId: 'req_01HZX3K9Q2',
    ...extra,
  };
}

function validationExample(field: string, rule: string, message: string) {
  return {
    example: problem(400, 'validation_failed', 'Validation failed', 'The request is not valid', {
      errors: [{ field, rule, message }],
    }),
  };
}

function N8nErrors(): MethodDecorator {
  return applyDecorators(
    ApiResponse({ status: 401, description: 'Missing or wrong API key' }),
    ApiResponse({
      status: 502,
      description: 'n8n (through n8n-mcp) refused or failed; detail carries its message',
      schema: {
        example: problem(
          502,
          'upstream_error',
          'Upstream error',
          'n8n tool n8n_test_workflow failed: Workflow must be active to trigger via this method',
          { server: 'n8n', tool: 'n8n_test_workflow', reason: 'tool_error' },
        ),
      },
    }),
    ApiResponse({ status: 503, description: 'n8n-mcp unreachable, rate limited or circuit open (Retry-After)' }),
    ApiResponse({ status: 504, description: 'n8n-mcp did not answer in time' }),
  );
}

@ApiTags('n8n')
@Controller('api/integration')
export class N8nController {
  constructor(
    private readonly workflows: N8nWorkflowsService,
    private readonly executionsService: N8nExecutionsService,
  ) {}

  @Get('workflows')
  @ApiOperation({ summary: 'List workflows (cursor pagination, limit ≤ 100)' })
  @ApiResponse({
    status: 200,
    description: 'A page of workflows',
    schema: { example: { items: [SUMMARY_EXAMPLE], page: { nextCursor: 'eyJsYXN0SWQiOiJWeFIzIn0=', limit: 25 } } },
  })
  @ApiBadRequestResponse({
    description: 'Bad limit or cursor',
    schema: validationExample('limit', 'max', 'limit must not be greater than 100'),
  })
  @N8nErrors()
  list(@Query() query: ListWorkflowsQuery): Promise<CursorPage<WorkflowSummary>> {
    return this.workflows.listWorkflows(query);
  }

  @Post('workflows')
  @RequiresScope({ from: 'body', actions: { execute: 'operate', create: 'admin' } })
  @ApiOperation({
    summary: 'Create a workflow, or execute one',
    description:
      '`{action: "create", workflow: {name, nodes, connections, settings?}}` creates it (inactive, 201). ' +
      '`{action: "execute", workflowId, inputData}` runs an active workflow through its Webhook trigger with inputData ' +
      'as the JSON body and returns the webhook reply with the execution id (200); follow it at ' +
      '`GET /api/integration/executions/{executionId}`.',
  })
  @ApiBody({
    type: WorkflowActionBody,
    examples: {
      execute: { value: { action: 'execute', workflowId: 'VxR3kq9PZ2mB1cLd', inputData: { email: 'jane@acme.com' } } },
      create: {
        value: {
          action: 'create',
          workflow: {
            name: WORKFLOW_EXAMPLE.name,
            nodes: WORKFLOW_EXAMPLE.nodes,
            connections: WORKFLOW_EXAMPLE.connections,
          },
        },
      },
    },
  })
  @ApiResponse({
    status: 201,
    description: 'Created (inactive)',
    schema: { example: { ...WORKFLOW_EXAMPLE, active: false } },
  })
  @ApiResponse({
    status: 200,
    description: 'Executed',
    schema: {
      example: {
        workflowId: 'VxR3kq9PZ2mB1cLd',
        executionId: '1043',
        correlationId: '4f1c2b8e-9d7a-4e0b-8a51-1b0c9e7d2f33',
        httpStatus: 200,
        response: { received: true, executionId: '1043' },
      },
    },
  })
  @ApiBadRequestResponse({
    description: 'Body does not fit the action; the field and rule are named',
    schema: validationExample('workflowId', 'isDefined', 'workflowId is required when action is "execute"'),
  })
  @ApiResponse({ status: 404, description: 'No such workflow (execute)' })
  @N8nErrors()
  async createOrExecute(
    @Body() body: WorkflowActionBody,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<N8nWorkflowResult | WorkflowRun> {
    if (body.action === 'create') {
      void reply.status(201);
      // The DTO guarantees `workflow` for create.
      return this.workflows.createWorkflow(body.workflow!);
    }
    void reply.status(200);
    return this.executionsService.executeWorkflow(body.workflowId!, body.inputData ?? {});
  }

  @Put('workflows')
  @RequiresScope('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Activate or deactivate a workflow' })
  @ApiResponse({
    status: 200,
    description: 'The workflow’s state afterwards',
    schema: { example: { id: SUMMARY_EXAMPLE.id, name: SUMMARY_EXAMPLE.name, active: true } },
  })
  @ApiBadRequestResponse({
    description: 'Missing workflowId or unknown action',
    schema: validationExample('action', 'isIn', 'action must be "activate" or "deactivate"'),
  })
  @ApiResponse({ status: 404, description: 'No such workflow' })
  @N8nErrors()
  setActivation(@Body() body: WorkflowActivationBody): Promise<WorkflowState> {
    return body.action === 'activate'
      ? this.workflows.activateWorkflow(body.workflowId)
      : this.workflows.deactivateWorkflow(body.workflowId);
  }

  @Get('workflows/:id')
  @ApiOperation({ summary: 'One workflow with its nodes, connections and settings' })
  @ApiResponse({ status: 200, description: 'The workflow', schema: { example: WORKFLOW_EXAMPLE } })
  @ApiResponse({ status: 404, description: 'No such workflow' })
  @N8nErrors()
  get(@Param() params: WorkflowParams): Promise<N8nWorkflowResult> {
    return this.workflows.getWorkflow(params.id);
  }

  @Get('workflows/:id/executions')
  @ApiOperation({
    summary: 'Executions of a workflow, newest first, optionally by status (success, error or waiting)',
  })
  @ApiResponse({
    status: 200,
    description: 'A page of executions',
    schema: { example: { items: [EXECUTION_EXAMPLE], page: { nextCursor: null, limit: 25 } } },
  })
  @ApiBadRequestResponse({
    description: 'Unsupported status filter or bad paging',
    schema: validationExample(
      'status',
      'isIn',
      'status must be one of success, error, waiting (the n8n MCP server cannot filter by running or canceled)',
    ),
  })
  @N8nErrors()
  executions(
    @Param() params: WorkflowParams,
    @Query() query: ListExecutionsQuery,
  ): Promise<CursorPage<ExecutionSummary>> {
    return this.executionsService.listExecutions(params.id, query);
  }

  @Get('executions/:id')
  @ApiOperation({ summary: 'One execution (status running → success | error | canceled)' })
  @ApiResponse({ status: 200, description: 'The execution', schema: { example: EXECUTION_EXAMPLE } })
  @ApiResponse({ status: 404, description: 'No such execution' })
  @N8nErrors()
  execution(@Param() params: ExecutionParams): Promise<ExecutionSummary> {
    return this.executionsService.getExecution(params.id);
  }
}
