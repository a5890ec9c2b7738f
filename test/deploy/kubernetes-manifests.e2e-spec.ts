/**
 * deploy/kubernetes/ is checked offline against the Kubernetes API schemas bundled in the `kubernetes-models` package
 * (every field's type, required fields, enums), and against the service itself: probe paths, port, graceful-shutdown
 * bound and the Secret's keys must match what the code reads.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { AppConfig } from '../../src/common/config/app-config.js';

const root = join(import.meta.dirname, '..', '..');
const dir = join(root, 'deploy', 'kubernetes');

interface Manifest {
  file: string;
  object: { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };
}

function loadManifests(): Manifest[] {
  const manifests: Manifest[] = [];
  for (const file of readdirSync(dir).filter((name) => /\.ya?ml$/.test(name))) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      manifests.push({ file, object: doc.toJS() as Manifest['object'] });
    }
  }
  return manifests;
}

/** The model class of an apiVersion/kind, e.g. apps/v1 Deployment → kubernetes-models/apps/v1/Deployment. */
async function modelFor(apiVersion: string, kind: string): Promise<new (data: unknown) => { validate(): void }> {
  const modulePath = `kubernetes-models/${apiVersion}/${kind}`;
  const loaded = (await import(modulePath)) as Record<string, new (data: unknown) => { validate(): void }>;
  const model = loaded[kind];
  if (!model) throw new Error(`no schema for ${apiVersion} ${kind}`);
  return model;
}

type Container = {
  name: string;
  image: string;
  ports: { name: string; containerPort: number }[];
  env: { name: string; value?: string }[];
  envFrom: { secretRef?: { name: string } }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
};

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  const manifests = loadManifests();
  const byKind = (kind: string): Manifest['object'] => {
    const found = manifests.find((m) => m.object.kind === kind);
    if (!found) throw new Error(`no ${kind} manifest`);
    return found.object;
  };

  it('has the Deployment, Service, PodDisruptionBudget, HorizontalPodAutoscaler and Secret', () => {
    expect(manifests.map((m) => m.object.kind).sort()).toEqual([
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Secret',
      'Service',
    ]);
  });

  it.each(manifests.map((m) => [`${m.file} ${m.object.kind}`, m] as const))(
    '%s is valid against the Kubernetes schema',
    async (_name, { object }) => {
      const Model = await modelFor(object.apiVersion, object.kind);
      expect(() => new Model(object).validate()).not.toThrow();
    },
  );

  it('the validator rejects a malformed manifest (so a pass means something)', async () => {
    const Model = await modelFor('apps/v1', 'Deployment');
    const broken = structuredClone(byKind('Deployment')) as unknown as { spec: { replicas: unknown } };
    broken.spec.replicas = 'two';
    expect(() => new Model(broken).validate()).toThrow(/replicas must be integer/);
  });

  it('probes the service health routes, on the port the image exposes', () => {
    const source = readFileSync(join(root, 'src/common/health/health.controller.ts'), 'utf8');
    expect(source).toMatch(/@Controller\('health'\)/);
    expect(source).toMatch(/@Get\('live'\)/);
    expect(source).toMatch(/@Get\('ready'\)/);
    const container = containerOf(byKind('Deployment'));
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    const exposed = /^EXPOSE (\d+)$/m.exec(readFileSync(join(root, 'Dockerfile'), 'utf8'))?.[1];
    expect(container.ports).toEqual([{ name: 'http', containerPort: Number(exposed), protocol: 'TCP' }]);
    expect(container.env).toContainEqual({ name: 'PORT', value: exposed });
    expect(container.resources.requests).toEqual(expect.objectContaining({ cpu: expect.any(String) }));
    expect(container.resources.limits).toEqual(expect.objectContaining({ memory: expect.any(String) }));
  });

  it('gives the pod longer to stop than the service takes to drain (SHUTDOWN_TIMEOUT_MS + the 2 s forced-exit margin)', () => {
    const deployment = byKind('Deployment') as unknown as {
      spec: { template: { spec: { terminationGracePeriodSeconds: number } } };
    };
    const shutdownMs = Number(
      containerOf(byKind('Deployment')).env.find((e) => e.name === 'SHUTDOWN_TIMEOUT_MS')?.value,
    );
    expect(shutdownMs).toBeGreaterThanOrEqual(100);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(shutdownMs / 1000 + 2);
  });

  it('the Secret holds only settings the service reads, and the Deployment loads it', () => {
    const environment = readFileSync(join(root, 'src/common/config/environment.ts'), 'utf8');
    const secret = byKind('Secret') as unknown as { metadata: { name: string }; stringData: Record<string, string> };
    expect(Object.keys(secret.stringData)).toEqual(expect.arrayContaining(['DATABASE_URL', 'API_KEYS']));
    for (const key of Object.keys(secret.stringData)) {
      expect(environment).toMatch(new RegExp(`^\\s+${key}[?!]?[:=; ]`, 'm'));
    }
    const container = containerOf(byKind('Deployment'));
    expect(container.envFrom).toContainEqual({ secretRef: { name: secret.metadata.name } });
    for (const { name } of container.env) expect(environment).toMatch(new RegExp(`^\\s+${name}[?!]?[:=; ]`, 'm'));
  });

  it("the Deployment's environment with the Secret's placeholders passes the service's own configuration check", () => {
    const secret = byKind('Secret') as unknown as { stringData: Record<string, string> };
    const env: Record<string, string> = { ...secret.stringData };
    for (const { name, value } of containerOf(byKind('Deployment')).env) if (value !== undefined) env[name] = value;
    const config = AppConfig.fromEnvironment(env);
    expect(config.env).toBe('production');
    expect(config.http.shutdownTimeoutMs).toBe(Number(env.SHUTDOWN_TIMEOUT_MS));
    expect(config.database.kind).toBe('postgres');
  });

  it('the Service, PodDisruptionBudget and autoscaler all point at the Deployment', () => {
    const deployment = byKind('Deployment') as unknown as {
      metadata: { name: string };
      spec: {
        selector: { matchLabels: Record<string, string> };
        template: { metadata: { labels: Record<string, string> } };
      };
    };
    const labels = deployment.spec.template.metadata.labels;
    expect(labels).toEqual(expect.objectContaining(deployment.spec.selector.matchLabels));
    const service = byKind('Service') as unknown as {
      spec: { selector: Record<string, string>; ports: { targetPort: string }[] };
    };
    expect(labels).toEqual(expect.objectContaining(service.spec.selector));
    expect(service.spec.ports[0]?.targetPort).toBe('http');
    const pdb = byKind('PodDisruptionBudget') as unknown as {
      spec: { selector: { matchLabels: Record<string, string> } };
    };
    expect(labels).toEqual(expect.objectContaining(pdb.spec.selector.matchLabels));
    const hpa = byKind('HorizontalPodAutoscaler') as unknown as {
      spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number };
    };
    expect(hpa.spec.scaleTargetRef).toEqual(
      expect.objectContaining({ kind: 'Deployment', name: deployment.metadata.name }),
    );
    // With one replica the PodDisruptionBudget (minAvailable 1) would block every node drain.
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });
});

function containerOf(deployment: Manifest['object']): Container {
  const spec = deployment as unknown as { spec: { template: { spec: { containers: Container[] } } } };
  const container = spec.spec.template.spec.containers[0];
  if (!container) throw new Error('the Deployment has no container');
  return container;
}
