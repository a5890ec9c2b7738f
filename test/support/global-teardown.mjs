import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  if (process.env.JV_PGLITE_TEMPLATE) rmSync(process.env.JV_PGLITE_TEMPLATE, { recursive: true, force: true });
}
