// The Kafka transfer of an API job alone (`cashflow bench api`, part of its target): the job's
// chunk messages produced as the API produces them and consumed by as many consumers as there
// are job workers, nothing computed.
import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Cases } from '../api/compute.js';
import { jobChunkMessage } from '../jobs/chunk.js';
import { sendPipelined, splitIntoChunks, splitRawChunks } from '../jobs/submit.js';
import { createConsumer, createProducer, type Admin, type Consumer } from '../clients/kafka.js';
import { createAvroCodec } from '../clients/schema-registry.js';
import type { Config } from '../config/config.js';
import type { Topology } from '../topology/topology.js';
import { cpuSecondsOf } from './process-stats.js';

const { ConsumerGroupStates } = KafkaJS;

/** The job's chunk messages through Kafka alone (produced as the API does, consumed by `workers` consumers). */
export interface TransferFigures {
  chunks: number;
  mb: number;
  seconds: number;
  ackedSeconds: number;
  /** CPU seconds of the transfer: this process (producer and consumers) and the broker when local. */
  cpu: { client: number; broker: number | null };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number) => Math.round(x * 100) / 100;

/**
 * Waits until the consumer group is stable with `members` members, each holding partitions, and
 * every partition of `topic` assigned, for a second on end.
 */
export async function waitForAssignment(admin: Admin, groupId: string, members: number, topic: string): Promise<void> {
  const partitions = (await admin.fetchTopicMetadata({ topics: [topic] }))[0].partitions.length;
  const deadline = Date.now() + 120_000;
  let stableSince = 0;
  for (;;) {
    const g = (await admin.describeGroups([groupId])).groups[0];
    const held =
      g?.members.map((m) => m.assignment?.topicPartitions?.filter((tp) => tp.topic === topic).length ?? 0) ??
      [];
    const ok =
      g?.state === ConsumerGroupStates.STABLE &&
      held.length === members &&
      held.every((n) => n > 0) &&
      held.reduce((a, b) => a + b, 0) === partitions;
    if (!ok) stableSince = 0;
    else if (!stableSince) stableSince = Date.now();
    else if (Date.now() - stableSince >= 1000) return;
    if (Date.now() > deadline)
      throw new Error(
        `consumer group ${groupId}: not ${members} members holding all ${partitions} partitions after 2 minutes (${JSON.stringify(held)})`,
      );
    await sleep(200);
  }
}

/**
 * The Kafka transfer of a job, no compute: the body cut into the API's chunks and encoded as the
 * API encodes them (not timed), produced to the jobs topic as the API produces them
 * (sendPipelined, the API's producer settings) and consumed by `consumers` consumers of a group
 * of their own with the workers' consumer settings. Seconds from the first send to the last
 * message received. The chunks' job id exists nowhere: job-workers starting later skip them.
 */
export async function measureTransfer(a: {
  config: Config;
  topology: Topology;
  admin: Admin;
  body: string;
  consumers: number;
  run: string;
  brokerPid: number | undefined;
  log: (s: string) => void;
}): Promise<TransferFigures> {
  const { config, topology } = a;
  const cases = JSON.parse(a.body) as Cases;
  const chunkSize = config.api.jobChunkSize;
  const chunks = splitRawChunks(a.body, Object.keys(cases), chunkSize) ?? splitIntoChunks(cases, chunkSize);
  const encode = await createAvroCodec(config, topology).encoder('apiJobs');
  const jobId = `transfer-${a.run}`;
  const messages = chunks.map((c, i) =>
    jobChunkMessage(topology, jobId, i, encode({
      jobId,
      chunk: i,
      chunks: chunks.length,
      contractIds: c.ids,
      asOf: null,
      requestedAtMs: Date.now(),
      cases: c.text,
    })),
  );
  const topic = topology.topic('apiJobs').name;
  const groupId = `${topology.processor('job-worker').consumerGroup}.bench-transfer`;
  let received = 0;
  let lastAt = 0;
  let allReceived!: () => void;
  const done = new Promise<void>((r) => (allReceived = r));
  const consumers: Consumer[] = [];
  const producer = await createProducer(config, { clientId: 'cashflow-bench-transfer' });
  try {
    for (let i = 0; i < a.consumers; i++) {
      const c = await createConsumer(config, {
        groupId,
        fromBeginning: true,
        clientId: `cashflow-bench-transfer-${i}`,
      });
      consumers.push(c);
      await c.subscribe({ topics: [topic] });
      await c.run({
        partitionsConsumedConcurrently: 2,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) if (m.key?.toString().startsWith(`${jobId}|`)) received++;
          if (received >= messages.length && !lastAt) {
            lastAt = performance.now();
            allReceived();
          }
        },
      });
    }
    await waitForAssignment(a.admin, groupId, a.consumers, topic);
    const broker0 = a.brokerPid === undefined ? null : cpuSecondsOf(a.brokerPid);
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    await sendPipelined(producer, topic, messages);
    const ackedSeconds = (performance.now() - t0) / 1000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`transfer: ${received} of ${messages.length} chunk messages received in 5 minutes`),
            ),
          300_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const client = process.cpuUsage(client0);
    const broker = broker0 === null ? null : round(cpuSecondsOf(a.brokerPid!) - broker0);
    const mb = messages.reduce((n, m) => n + m.value.length, 0) / 1e6;
    const seconds = (lastAt - t0) / 1000;
    a.log(
      `Kafka transfer: ${messages.length} chunk messages (${mb.toFixed(1)} MB) produced and consumed by ${a.consumers} consumers in ${seconds.toFixed(2)} s (all acknowledged after ${ackedSeconds.toFixed(2)} s)`,
    );
    return {
      chunks: messages.length,
      mb: round(mb),
      seconds: round(seconds),
      ackedSeconds: round(ackedSeconds),
      cpu: { client: round((client.user + client.system) / 1e6), broker },
    };
  } finally {
    await Promise.allSettled([...consumers.map((c) => c.disconnect()), producer.disconnect()]);
  }
}
