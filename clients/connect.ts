// Kafka Connect REST: the few calls `cashflow connectors apply` and the tests need.
import type { Config } from '../config/config.js';
import { ComponentDownError, ComponentError } from './errors.js';
import { requestJson } from './http.js';

export type ConnectorState = 'RUNNING' | 'PAUSED' | 'FAILED' | 'UNASSIGNED' | 'RESTARTING' | 'STOPPED';

export interface ConnectorStatus {
  name: string;
  connector: { state: ConnectorState; worker_id: string; trace?: string };
  tasks: { id: number; state: ConnectorState; worker_id: string; trace?: string }[];
}

export class ConnectClient {
  constructor(readonly url: string) {}

  /** Whether the worker answers within `timeoutMs` (throws the typed error otherwise). */
  async probe(timeoutMs: number): Promise<void> {
    await requestJson('connect', 'GET', `${this.url}/`, undefined, { timeoutMs, target: this.url });
  }

  /** Creates or updates a connector (idempotent). True when it was created. */
  async putConnectorConfig(name: string, config: Record<string, string>): Promise<boolean> {
    const r = await requestJson(
      'connect',
      'PUT',
      `${this.url}/connectors/${encodeURIComponent(name)}/config`,
      config,
    );
    return r.status === 201;
  }

  async status(name: string): Promise<ConnectorStatus | null> {
    const r = await requestJson<ConnectorStatus>(
      'connect',
      'GET',
      `${this.url}/connectors/${encodeURIComponent(name)}/status`,
      undefined,
      {
        accept: [404],
      },
    );
    return r.status === 404 ? null : r.body;
  }

  /** Deletes a connector; absent is fine. */
  async deleteConnector(name: string): Promise<void> {
    await requestJson('connect', 'DELETE', `${this.url}/connectors/${encodeURIComponent(name)}`, undefined, {
      accept: [404],
    });
  }

  /**
   * Restarts a connector's failed instances (connector and tasks), as an operator does after a
   * FAILED status (Connect REST `POST /connectors/{name}/restart?includeTasks=true&onlyFailed=true`).
   */
  async restartFailed(name: string): Promise<void> {
    await requestJson('connect', 'POST', `${this.url}/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`);
  }

  async plugins(): Promise<{ class: string; type: string; version: string }[]> {
    return (
      await requestJson<{ class: string; type: string; version: string }[]>(
        'connect',
        'GET',
        `${this.url}/connector-plugins`,
      )
    ).body;
  }

  /** Waits until the connector and all its tasks run; a FAILED task throws with its trace. */
  async waitForRunning(name: string, timeoutMs = 60_000): Promise<ConnectorStatus> {
    const deadline = Date.now() + timeoutMs;
    let last: ConnectorStatus | null = null;
    while (Date.now() < deadline) {
      last = await this.status(name);
      const failed = last && [last.connector, ...last.tasks].find((t) => t.state === 'FAILED');
      if (failed) {
        throw new ComponentError(
          'connect',
          this.url,
          `connector ${name} failed: ${(failed.trace ?? '').split('\n')[0]}`,
        );
      }
      if (
        last &&
        last.connector.state === 'RUNNING' &&
        last.tasks.length > 0 &&
        last.tasks.every((t) => t.state === 'RUNNING')
      ) {
        return last;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new ComponentDownError(
      'connect',
      this.url,
      `connector ${name} not running after ${timeoutMs} ms (${JSON.stringify(last)})`,
    );
  }
}

export function createConnectClient(config: Pick<Config, 'kafkaConnectUrl'>): ConnectClient {
  return new ConnectClient(config.kafkaConnectUrl);
}
