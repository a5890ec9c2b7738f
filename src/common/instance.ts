import { hostname } from 'node:os';

/**
 * Names this process among the instances sharing one database: the host name (a Kubernetes pod's name) and the pid.
 * Recorded on the work an instance does (a pipeline step's latest attempt), so an operator can tell who did it.
 */
export const INSTANCE_NAME = `${hostname()}/${process.pid}`.slice(0, 128);
