import { Injectable } from '@nestjs/common';
import { JobQueueService } from '../../common/jobs/job-queue.service.js';

/**
 * pg-boss workers poll; an idle one sleeps for its polling interval. Committing a step enqueues the next one, so
 * waking the workers then lets a run move on at once instead of a poll later (the difference between ~1 step per
 * second per worker and upstream-latency-bound throughput).
 */
@Injectable()
export class PipelineWakeup {
  private readonly workerIds: string[] = [];

  constructor(private readonly jobs: JobQueueService) {}

  register(workerId: string): void {
    this.workerIds.push(workerId);
  }

  /** Wakes one worker (the caller's own, when it is one) or, without an id, all of them. */
  wake(workerId?: string): void {
    const boss = this.jobs.pgBoss;
    if (workerId !== undefined) {
      boss.notifyWorker(workerId);
      return;
    }
    for (const id of this.workerIds) boss.notifyWorker(id);
  }
}
