// The one way a command meets its dependencies. Each client is opened through the scope, which
// first checks within the connect deadline (CASHFLOW_CONNECT_TIMEOUT_MS) that the component
// answers, so that a command with a component down stops in seconds with the typed error
// (component, address, cause, next step: clients/errors.ts) instead of waiting for a client's
// own timeout; and the scope closes every client it opened, on every path: a Kafka client left
// open keeps librdkafka's threads, and with them the process, alive after the error.
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { createDatabase, openSql, type SqlSession } from '../db/open.js';
import type { Topology } from '../topology/topology.js';
import { createConnectClient, type ConnectClient } from '../clients/connect.js';
import type { Component } from '../clients/errors.js';
import {
  createAdmin,
  createConsumer,
  createProducer,
  type Admin,
  type Consumer,
  type ConsumerOptions,
  type LibrdkafkaProperties,
  type Producer,
} from '../clients/kafka.js';
import { configuredLog, type Log } from '../clients/log.js';
import { connectRedis, type Redis } from '../clients/redis.js';
import { createAvroCodec, type AvroCodec } from '../clients/schema-registry.js';
import { meetComponent } from './meet.js';

export class ClientScope {
  private readonly closers: (() => Promise<unknown>)[] = [];
  private readonly met = new Map<Component, Promise<void>>();
  readonly log: Log;

  constructor(
    readonly config: Config,
    options: { log?: Log } = {},
  ) {
    this.log = options.log ?? configuredLog(config.clients, 'warn');
  }

  get deadlineMs(): number {
    return this.config.clients.connectTimeoutMs;
  }

  /** Checks each component once per scope (the first failure is the command's error). */
  async meet(...components: Component[]): Promise<void> {
    for (const c of components) {
      let meeting = this.met.get(c);
      if (!meeting) this.met.set(c, (meeting = meetComponent(this.config, c, this.deadlineMs, this.log)));
      await meeting;
    }
  }

  private keep<T>(client: T, close: (client: T) => Promise<unknown>): T {
    this.closers.push(() => close(client));
    return client;
  }

  async admin(clientId = 'cashflow-admin'): Promise<Admin> {
    await this.meet('kafka');
    return this.keep(await createAdmin(this.config, clientId, this.log), (a) => a.disconnect());
  }

  async producer(options: { clientId?: string; extra?: LibrdkafkaProperties } = {}): Promise<Producer> {
    await this.meet('kafka');
    return this.keep(await createProducer(this.config, { ...options, log: this.log }), (p) => p.disconnect());
  }

  async consumer(options: ConsumerOptions & { clientId?: string }): Promise<Consumer> {
    await this.meet('kafka');
    return this.keep(await createConsumer(this.config, { ...options, log: this.log }), (c) => c.disconnect());
  }

  async codec(topology: Topology): Promise<AvroCodec> {
    await this.meet('schema-registry');
    return createAvroCodec(this.config, topology);
  }

  async redis(options: { name?: string; keyPrefix?: string } = {}): Promise<Redis> {
    return this.keep(await connectRedis(this.config, options), (r) => r.quit().catch(() => r.disconnect()));
  }

  async sql(): Promise<SqlSession> {
    return this.keep(await openSql(this.config), (s) => s.close());
  }

  async database(options: { url?: string; read?: boolean } = {}): Promise<Database> {
    await this.meet('database');
    return this.keep(await createDatabase(this.config, options), (d) => d.close());
  }

  async connect(): Promise<ConnectClient> {
    await this.meet('connect');
    return createConnectClient(this.config);
  }

  /** Closes every client opened through the scope, the last first; a failing close does not stop the others. */
  async close(): Promise<void> {
    const closers = this.closers.splice(0).reverse();
    for (const close of closers)
      await close().catch((e: unknown) =>
        this.log('debug', 'closing a client failed', { error: (e as Error).message }),
      );
  }
}

/** Runs `work` with a scope and closes the scope's clients however `work` ends. */
export async function withClients<T>(
  config: Config,
  work: (clients: ClientScope) => Promise<T>,
  options: { log?: Log } = {},
): Promise<T> {
  const scope = new ClientScope(config, options);
  try {
    return await work(scope);
  } finally {
    await scope.close();
  }
}
