import 'reflect-metadata';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { IncomingMessage } from 'node:http';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import type { AppConfig } from './common/config/app-config.js';
import { httpEdgeOptions, installHttpEdge } from './common/http/http-edge.js';
import { requestIdFor } from './common/http/request-id.js';
import { annotateScopes } from './common/auth/openapi-scopes.js';
import { installSlowClientLimits, slowClientServerOptions } from './common/http/slow-clients.js';
import { createValidationPipe } from './common/http/validation.js';
import { MetricsService } from './common/metrics/metrics.service.js';
import { APP_VERSION } from './common/version.js';
import { installConsole } from './modules/console/console-assets.js';

/**
 * Builds the application (not yet listening). Shared by `main.ts` and the end-to-end tests so both run the same thing.
 */
export interface CreateAppOptions {
  /** Extra modules, for tests that need routes of their own (e.g. one that fails on purpose). */
  imports?: Array<Type | DynamicModule>;
  /** Told of every route the HTTP server registers, Nest's and plugins' alike (the route inventory test uses it). */
  onRoute?: (route: { method: string | string[]; url: string }) => void;
}

export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    genReqId: (raw: IncomingMessage) => requestIdFor(raw),
    // Our own request id handling above; fastify must not overwrite it.
    requestIdHeader: false,
    // Idle keep-alive sockets are closed at shutdown; in-flight requests are allowed to finish.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // X-Forwarded-For is believed only from the proxies in TRUST_PROXY; otherwise the client is the TCP peer.
    trustProxy: config.security.trustProxy.length > 0 ? [...config.security.trustProxy] : false,
    ...slowClientServerOptions(config.security.slowClients),
    ...httpEdgeOptions(),
  });
  installSlowClientLimits(adapter.getInstance(), config.security.slowClients);
  const onRoute = options.onRoute;
  if (onRoute) adapter.getInstance().addHook('onRoute', (route) => onRoute({ method: route.method, url: route.url }));
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config, options.imports ?? []),
    adapter,
    {
      bufferLogs: true,
      // Bodies are parsed by the edge (common/http/http-edge.ts), which also keeps the raw bytes for webhooks.
      bodyParser: false,
      abortOnError: false,
    },
  );
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());

  const fastify = app.getHttpAdapter().getInstance();
  installHttpEdge(fastify);
  const metrics = app.get(MetricsService);
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });

  if (config.http.docsEnabled) {
    const document = annotateScopes(
      SwaggerModule.createDocument(
        app,
        new DocumentBuilder()
          .setTitle('JetVision Integration API')
          .setDescription(
            'Ties Apollo.io (sales), Avinode (charter marketplace) and n8n (automation) together. ' +
              'Every route needs an API key unless marked public; each operation names the key scope it needs ' +
              '(read, operate or admin, in `x-required-scope`). Errors are RFC 9457 application/problem+json.',
          )
          .setVersion(APP_VERSION)
          .addBearerAuth(
            // An opaque key, not a JWT (the default bearerFormat).
            { type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'API key as a bearer token' },
            'bearer',
          )
          .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'apiKey')
          .addSecurityRequirements('bearer')
          .addSecurityRequirements('apiKey')
          .build(),
      ),
    );
    SwaggerModule.setup('docs', app, document, {
      jsonDocumentUrl: 'docs/openapi.json',
      yamlDocumentUrl: 'docs/openapi.yaml',
    });
  }

  await installConsole(fastify);

  await app.init();
  return app;
}
