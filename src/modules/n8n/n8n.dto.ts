import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { CursorPageQuery } from '../../common/http/pagination.js';
import { FILTERABLE_EXECUTION_STATUSES, type FilterableExecutionStatus } from './n8n.contracts.js';

const WORKFLOW_ACTIONS = ['create', 'execute'] as const;
const ACTIVATION_ACTIONS = ['activate', 'deactivate'] as const;
/** n8n workflow ids are short alphanumeric strings (e.g. `VxR3kq9PZ2mB1cLd`); execution ids are numeric. */
const WORKFLOW_ID = /^[A-Za-z0-9_-]{1,64}$/;
const EXECUTION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** A field that belongs to one `action` only: present with another action fails with rule `onlyWithAction`. */
function OnlyWithAction(action: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'onlyWithAction',
      constraints: [action],
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          value === undefined || (args?.object as { action?: unknown } | undefined)?.action === action,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'field'} is only allowed when action is "${action}"`,
      },
    },
    options,
  );
}

export class WorkflowNodeBody {
  @ApiProperty({ example: 'b2f0c7de-6b1e-4a0e-9d55-0c2f3f1f8a11' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  id!: string;

  @ApiProperty({ example: 'Webhook', description: 'Unique within the workflow; connections refer to it' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  name!: string;

  @ApiProperty({ example: 'n8n-nodes-base.webhook', description: 'Full node type' })
  @IsString()
  @MinLength(3)
  @MaxLength(200)
  type!: string;

  @ApiProperty({ example: 2 })
  @IsNumber()
  typeVersion!: number;

  @ApiProperty({ type: [Number], example: [0, 0] })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @IsNumber({}, { each: true })
  position!: [number, number];

  @ApiProperty({ example: { httpMethod: 'POST', path: 'jetvision/lead-intake', responseMode: 'responseNode' } })
  @IsObject()
  parameters!: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsObject()
  credentials?: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  webhookId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  notes?: string;

  @ApiPropertyOptional({ enum: ['continueRegularOutput', 'continueErrorOutput', 'stopWorkflow'] })
  @IsOptional()
  @IsIn(['continueRegularOutput', 'continueErrorOutput', 'stopWorkflow'])
  onError?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  continueOnFail?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  retryOnFail?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  maxTries?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(0)
  waitBetweenTries?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  alwaysOutputData?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  executeOnce?: boolean;
}

export class WorkflowDefinitionBody {
  @ApiProperty({ example: 'JetVision – Lead intake' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  name!: string;

  @ApiProperty({ type: [WorkflowNodeBody] })
  @IsArray()
  @ArrayNotEmpty({ message: 'workflow.nodes must list at least one node' })
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => WorkflowNodeBody)
  nodes!: WorkflowNodeBody[];

  @ApiProperty({
    description: 'Keyed by source node name',
    example: { Webhook: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] } },
  })
  @IsObject()
  connections!: Record<string, unknown>;

  @ApiPropertyOptional({ example: { executionOrder: 'v1' } })
  @IsOptional()
  @IsObject()
  settings?: Record<string, unknown>;
}

/** `{action: "create", workflow}` or `{action: "execute", workflowId, inputData}` (the customer's original body). */
export class WorkflowActionBody {
  @ApiProperty({ enum: WORKFLOW_ACTIONS, example: 'execute' })
  @IsIn(WORKFLOW_ACTIONS, { message: 'action must be "create" or "execute"' })
  action!: (typeof WORKFLOW_ACTIONS)[number];

  @ApiPropertyOptional({ type: WorkflowDefinitionBody, description: 'Required when action is "create"' })
  @ValidateIf((body: WorkflowActionBody) => body.action === 'create' || body.workflow !== undefined)
  @OnlyWithAction('create')
  @IsDefined({ message: 'workflow is required when action is "create"' })
  @IsObject({ message: 'workflow must be an object with name, nodes and connections' })
  @ValidateNested()
  @Type(() => WorkflowDefinitionBody)
  workflow?: WorkflowDefinitionBody;

  @ApiPropertyOptional({ example: 'VxR3kq9PZ2mB1cLd', description: 'Required when action is "execute"' })
  @ValidateIf((body: WorkflowActionBody) => body.action === 'execute' || body.workflowId !== undefined)
  @OnlyWithAction('execute')
  @IsDefined({ message: 'workflowId is required when action is "execute"' })
  @IsString()
  @Matches(WORKFLOW_ID, { message: 'workflowId must be an n8n workflow id' })
  workflowId?: string;

  @ApiPropertyOptional({
    example: { email: 'jane.doe@summitcapital.com', company: 'Summit Capital' },
    description: 'JSON body sent to the workflow’s webhook (action "execute")',
  })
  @ValidateIf((body: WorkflowActionBody) => body.inputData !== undefined)
  @OnlyWithAction('execute')
  @IsObject({ message: 'inputData must be a JSON object' })
  inputData?: Record<string, unknown>;
}

export class WorkflowActivationBody {
  @ApiProperty({ example: 'VxR3kq9PZ2mB1cLd' })
  @IsDefined({ message: 'workflowId is required' })
  @IsString()
  @Matches(WORKFLOW_ID, { message: 'workflowId must be an n8n workflow id' })
  workflowId!: string;

  @ApiProperty({ enum: ACTIVATION_ACTIONS, example: 'activate' })
  @IsIn(ACTIVATION_ACTIONS, { message: 'action must be "activate" or "deactivate"' })
  action!: (typeof ACTIVATION_ACTIONS)[number];
}

export class ListWorkflowsQuery extends CursorPageQuery {
  @ApiPropertyOptional({ description: 'Only active (true) or inactive (false) workflows', example: true })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'active must be true or false' })
  active?: boolean;
}

export class WorkflowParams {
  @ApiProperty({ example: 'VxR3kq9PZ2mB1cLd' })
  @Matches(WORKFLOW_ID, { message: 'id must be an n8n workflow id' })
  id!: string;
}

export class ExecutionParams {
  @ApiProperty({ example: '1042' })
  @Matches(EXECUTION_ID, { message: 'id must be an n8n execution id' })
  id!: string;
}

export class ListExecutionsQuery extends CursorPageQuery {
  @ApiPropertyOptional({
    enum: FILTERABLE_EXECUTION_STATUSES,
    description: 'n8n-mcp 2.87 filters by success, error or waiting only (not running or canceled)',
  })
  @IsOptional()
  @IsIn(FILTERABLE_EXECUTION_STATUSES, {
    message: 'status must be one of success, error, waiting (the n8n MCP server cannot filter by running or canceled)',
  })
  status?: FilterableExecutionStatus;
}
