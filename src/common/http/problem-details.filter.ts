import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../errors/domain-error.js';
import { describeErrorCode, problemTypeFor } from '../errors/error-catalog.js';
import { PROBLEM_CONTENT_TYPE, type ProblemDocument } from './problem-document.js';

const HTTP_STATUS_TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  406: 'Not acceptable',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  503: 'Service unavailable',
};

/** Builds the problem document for any error; the single place errors become HTTP answers. */
export function problemFor(
  error: unknown,
  request: { url: string; id: string },
  logger: Logger,
): { problem: ProblemDocument; headers: Record<string, string> } {
  const base = { instance: request.url.split('?')[0] ?? request.url, requestId: request.id };
  const headers: Record<string, string> = {};

  if (error instanceof DomainError) {
    const { status, title } = describeErrorCode(error.code);
    if (error.retryAfterSeconds !== undefined)
      headers['retry-after'] = String(Math.max(0, Math.ceil(error.retryAfterSeconds)));
    const problem: ProblemDocument = {
      ...error.extensions,
      type: problemTypeFor(error.code),
      title,
      status,
      detail: error.message,
      ...base,
      code: error.code,
      ...(error.errors ? { errors: error.errors } : {}),
    };
    if (status >= 500) logger.warn(`${request.id} ${status} ${error.code}: ${error.message}`);
    return { problem, headers };
  }

  const httpStatus = httpStatusOf(error);
  if (httpStatus !== undefined && httpStatus < 500) {
    const code = HTTP_STATUS_TITLES[httpStatus]?.toLowerCase().replace(/ /g, '_') ?? `http_${httpStatus}`;
    return {
      problem: {
        type: problemTypeFor(code),
        title: HTTP_STATUS_TITLES[httpStatus] ?? 'Request error',
        status: httpStatus,
        detail: clientMessageOf(error, httpStatus),
        ...base,
        code,
      },
      headers,
    };
  }

  // Anything else is our bug or an unplanned failure: log it in full under an id, tell the client only the id.
  const errorId = randomUUID();
  logger.error({ err: error, errorId, requestId: request.id }, `Unhandled error ${errorId} on ${request.url}`);
  return {
    problem: {
      type: problemTypeFor('internal_error'),
      title: 'Internal server error',
      status: 500,
      detail: `An unexpected error occurred. Quote error id ${errorId} when reporting it.`,
      ...base,
      errorId,
      code: 'internal_error',
    },
    headers,
  };
}

function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  // Fastify's own errors (body too large, bad JSON, unsupported media type) carry a statusCode.
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600 ? statusCode : undefined;
}

function clientMessageOf(error: unknown, status: number): string {
  if (error instanceof HttpException) {
    const response = error.getResponse();
    if (typeof response === 'string') return response;
    const message = (response as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.join('; ');
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'The request body exceeds the size limit';
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'Unsupported Content-Type; send application/json';
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'The JSON body is empty';
  if (error instanceof SyntaxError || code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'The body is not valid JSON';
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && message.length < 300
    ? message
    : (HTTP_STATUS_TITLES[status] ?? 'Request error');
}

export function sendProblem(reply: FastifyReply, problem: ProblemDocument, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { problem, headers } = problemFor(error, { url: request.url, id: String(request.id) }, this.logger);
    if (reply.sent) return;
    sendProblem(reply, problem, headers);
  }
}
