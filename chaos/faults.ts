// Injecting one fault of the plan (chaos/schedule.ts) into the run's own platform and undoing it
// as operations would: a killed processor restarted by its supervisor, a killed broker or
// Connect worker started again, a failed connector task restarted through Connect's REST API.
import { ownedPid, isAlive } from '../stack/processes.js';
import { eventually } from '../stack/private/wait.js';
import { standaloneClient } from '../db/postgres/index.js';
import type { ChaosEnvironment, Log } from './environment.js';
import type { Fault } from './schedule.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A supervisor's restart delay (systemd's RestartSec, Kubernetes' first back-off). */
const RESTART_DELAY_MS = 1000;

/**
 * The run's operator: watches the connector and restarts whatever FAILED through the REST API
 * (after a lost replication connection, a database down, a worker restart). Counts restarts.
 */
export class ConnectorOperator {
  restarts = 0;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly env: ChaosEnvironment,
    private readonly log: Log,
  ) {}

  start(everyMs = 2000): void {
    this.timer = setInterval(() => void this.check(), everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One look: a FAILED connector or task is restarted. True when it was all RUNNING. */
  async check(): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    try {
      const status = await this.env.connect.status(this.env.connector.name);
      if (!status) return false;
      const failed = [status.connector, ...status.tasks].filter((t) => t.state === 'FAILED');
      if (failed.length) {
        this.restarts++;
        this.log(`operator: connector ${status.connector.state}, tasks ${status.tasks.map((t) => t.state).join(',')}: restarting through the REST API (${(failed[0].trace ?? '').split('\n')[0].slice(0, 160)})`);
        await this.env.connect.restartFailed(this.env.connector.name);
        return false;
      }
      return status.connector.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((t) => t.state === 'RUNNING');
    } catch {
      return false; // the worker is down (a fault): look again later
    } finally {
      this.busy = false;
    }
  }

  /** Until the connector and its tasks run (restarting failed ones meanwhile). */
  async running(timeoutMs = 300_000): Promise<void> {
    await eventually(`connector ${this.env.connector.name} running`, () => this.check(), timeoutMs, 1000);
  }
}

/** Injects `fault`, undoes it, and resolves once the part is back; returns a detail for the log. */
export async function inject(env: ChaosEnvironment, operator: ConnectorOperator, fault: Fault, log: Log): Promise<string> {
  switch (fault.kind) {
    case 'processor-kill': {
      const p = (await env.processes()).find((x) => x.name === fault.processor)!;
      const pid = ownedPid(p.pidFile, p.marker);
      if (pid === undefined) {
        await env.startProcessors([fault.processor]);
        return `${fault.processor} was not running: started`;
      }
      process.kill(pid, 'SIGKILL');
      await eventually(`${fault.processor} (pid ${pid}) gone`, async () => !isAlive(pid), 30_000, 50);
      await sleep(RESTART_DELAY_MS);
      const t0 = Date.now();
      await env.startProcessors([fault.processor]);
      return `pid ${pid} killed; restarted, healthy in ${Date.now() - t0} ms`;
    }
    case 'broker-kill': {
      const exitMs = await env.kafka.stop('SIGKILL');
      await sleep(RESTART_DELAY_MS);
      const t0 = Date.now();
      await env.kafka.start(300_000);
      return `exited ${exitMs} ms after the signal; up again in ${Date.now() - t0} ms`;
    }
    case 'redis-flush': {
      const keys = await env.redis.keyCount();
      await env.redis.flushAll();
      return `${keys} keys flushed`;
    }
    case 'redis-restart': {
      const keys = await env.redis.keyCount();
      await env.redis.shutdown();
      await sleep(RESTART_DELAY_MS);
      await env.redis.start();
      return `${keys} keys before, ${await env.redis.keyCount()} after the restart`;
    }
    case 'registry-down': {
      await env.registry.stop('SIGKILL');
      await sleep(fault.downSeconds * 1000);
      const t0 = Date.now();
      await env.registry.start();
      return `up again in ${Date.now() - t0} ms`;
    }
    case 'connect-kill': {
      await env.connectWorker.stop('SIGKILL');
      await sleep(RESTART_DELAY_MS);
      const t0 = Date.now();
      await env.connectWorker.start();
      await operator.running();
      return `worker up and connector running again in ${Date.now() - t0} ms`;
    }
    case 'connector-task-failed': {
      // the task's replication connection ended under it: with no retries of its own the task FAILs
      const client = standaloneClient(env.postgres.url('cashflow'));
      await client.connect();
      let terminated: number;
      try {
        // the task may be (re)starting after an earlier fault: its connection must be there to be cut
        terminated = await eventually('the connector streaming from its replication slot', async () => {
          const r = await client.query<{ n: string }>('SELECT count(pg_terminate_backend(active_pid)) AS n FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [env.slot]);
          return Number(r.rows[0].n) || undefined;
        }, 120_000, 500);
      } finally {
        await client.end();
      }
      const restartsBefore = operator.restarts;
      const t0 = Date.now();
      // seen FAILED (or already restarted by the operator) before it counts as running again
      await eventually('the connector task failed', async () => {
        if (operator.restarts > restartsBefore) return true;
        const status = await env.connect.status(env.connector.name);
        return status?.tasks.some((t) => t.state === 'FAILED') ?? false;
      }, 60_000, 250).catch(() => log(`the connector task did not fail within 60 s of losing its replication connection`));
      await operator.running();
      return `${terminated} replication connection terminated; ${operator.restarts - restartsBefore} REST restarts, running again in ${Date.now() - t0} ms`;
    }
    case 'sink-database-down': {
      await env.postgres.stop('fast');
      await sleep(fault.downSeconds * 1000);
      await env.postgres.start();
      return 'stopped (fast shutdown) and started again';
    }
    case 'source-database-restart': {
      await env.postgres.stop('immediate');
      await env.postgres.start();
      return 'crashed (immediate shutdown) and started again (crash recovery)';
    }
  }
}
