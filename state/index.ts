// The pipeline's Redis state (a rebuildable cache): model, Redis store, in-memory twin,
// observer over the store, and the rebuild from the compacted topics (state/rebuild.ts, which
// loads the Kafka client: import it directly where needed).
export * from './model.js';
export { RedisStateStore, clearState, keys as stateKeys, DEFAULT_KEY_PREFIX } from './redis-store.js';
export { MemoryStateStore } from './memory-store.js';
export { observerFor, seriesPoints, engineEvents, dependencyKeys } from './observer.js';
export { StateLostError, READY_KEY, REBUILD_LOCK_KEY, evictionRisk, parseMarker, type ReadyMarker } from './readiness.js';
