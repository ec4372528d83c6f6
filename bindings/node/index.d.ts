// Type definitions for ferricache's Node package.
import type { RedisClientOptions, RedisClientType, commandOptions as redisCommandOptions } from '@redis/client';

/** Engine options: bounds, eviction, default TTL, keyspace notifications. */
export interface EngineOptions {
  /** Memory bound in bytes. */
  maxMemory?: number;
  /** Bound on the number of keys. */
  maxEntries?: number;
  /** Redis's policy names ("allkeys-lru", "volatile-ttl", ...) or "s3-fifo" (the default). */
  evictionPolicy?: string;
  /** TTL in seconds for keys written without one. */
  defaultTtl?: number;
  /** Redis's notify-keyspace-events flags, for example "KEA". */
  notifyKeyspaceEvents?: string;
  /** Lock stripes. */
  shards?: number;
  /** false: no active-expiry thread (expired keys are reclaimed by reads and writes). */
  activeExpiry?: boolean;
  /** Active expiry's runs per second at most (Redis's hz, 1 to 500, default 10). */
  hz?: number;
  /** The RDB snapshot file: loaded at construction (a bad file throws, naming where),
   * written by `save()` and `bgSave()` in Redis's format. */
  snapshotPath?: string;
  /** true: streams, modules and functions in the snapshot file (a Redis backup's) are
   * skipped and counted (`info('persistence')`'s `rdb_load_skipped_*`) instead of refused. */
  snapshotLenient?: boolean;
}

/**
 * Near-cache mode (see the README's "Scaling out"): the engine as a coherent L1 in front
 * of a Redis / Valkey / ElastiCache server or cluster. With the synchronous Cache, misses
 * and writes wait for the server on the calling thread (the event loop); createClient's
 * promise client answers hits at once and runs the rest on the libuv thread pool.
 */
export interface RemoteOptions {
  /** The server's URL (redis:// or rediss://); with createClient, `true` takes `url`. */
  remote?: string | boolean;
  /** Keep local copies only of keys under these prefixes. */
  localPrefixes?: string[];
  /** The largest string kept locally, in bytes (default 1 MiB). */
  maxValueBytes?: number;
  /** The most elements of a collection kept locally (default 10,000). */
  maxElements?: number;
  /** Seconds after which copies are not trusted while the invalidation stream is silent. */
  maxStaleness?: number;
  /** What reads do while copies cannot be trusted. */
  whenStale?: 'fail_fast' | 'serve_stale';
  /** Seconds. */
  connectTimeout?: number;
  /** Seconds. */
  commandTimeout?: number;
  /** Connections per server node. */
  poolSize?: number;
  /** Seconds a cross-process loader holds its key's fill lock. */
  fillLockTtl?: number;
  /** PEM text of the CA that signed the server's certificate (rediss://). */
  tlsRootCertificate?: string;
}

/** Near-cache mode's counters. */
export interface NearCacheStats {
  localHits: number;
  roundTripsSaved: number;
  fetches: number;
  negativeHits: number;
  forwarded: number;
  invalidations: number;
  flushes: number;
  discardedFills: number;
  staleServes: number;
  reconnects: number;
  connected: boolean;
  nodes: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  hitRatio: number;
  keys: number;
  usedMemory: number;
  evictions: number;
  expirations: number;
  blockedClients: number;
}

type Client = RedisClientType;
type Lifecycle =
  | 'connect' | 'quit' | 'disconnect' | 'duplicate' | 'sendCommand' | 'multi' | 'MULTI'
  | 'scanIterator' | 'hScanIterator' | 'sScanIterator' | 'zScanIterator'
  | 'subscribe' | 'SUBSCRIBE' | 'pSubscribe' | 'PSUBSCRIBE' | 'unsubscribe' | 'UNSUBSCRIBE'
  | 'pUnsubscribe' | 'PUNSUBSCRIBE' | 'sSubscribe' | 'SSUBSCRIBE' | 'sUnsubscribe' | 'SUNSUBSCRIBE'
  | 'executeIsolated' | 'executeFunction' | 'executeScript' | 'commandsExecutor' | 'ref' | 'unref'
  | 'watch' | 'WATCH' | 'unwatch' | 'UNWATCH' | 'select' | 'SELECT';
type Blocking = 'blPop' | 'BLPOP' | 'brPop' | 'BRPOP' | 'blMove' | 'BLMOVE' | 'brPopLPush' | 'BRPOPLPUSH'
  | 'bzPopMin' | 'BZPOPMIN' | 'bzPopMax' | 'BZPOPMAX';

/** node-redis's command methods, answering synchronously. */
export type SyncCommands = {
  [K in Exclude<keyof Client, Lifecycle | Blocking>]: Client[K] extends (...args: infer A) => Promise<infer R>
    ? (...args: A) => R
    : never;
};

/** Blocking pops stay asynchronous on the synchronous Cache (they wait for a push). */
export type BlockingCommands = { [K in Blocking & keyof Client]: Client[K] };

export interface Cache extends SyncCommands, BlockingCommands {}

/**
 * An in-process cache with node-redis's method names, answering synchronously.
 *
 * ```js
 * const { Cache } = require('ferricache');
 * const cache = new Cache({ maxMemory: 64 << 20 });
 * cache.set('user:1', 'Ada', { EX: 60 });   // 'OK'
 * cache.get('user:1');                      // 'Ada'
 * ```
 */
export declare class Cache {
  constructor(options?: EngineOptions & RemoteOptions & { database?: number });
  /** SELECT: later calls run in database `db` (0 to 15); throws ErrorReply if out of range. */
  select(db: number): void;
  SELECT(db: number): void;
  /** Whether this cache is a near cache (made with `remote`). */
  readonly isNearCache: boolean;
  /** Near-cache mode's counters, or null. */
  nearCacheStats(): NearCacheStats | null;
  /** Any command as argv; blocking pops return promises. */
  sendCommand(args: Array<string | Buffer>, options?: { returnBuffers?: boolean }): unknown;
  /** GET as a Buffer. */
  getBuffer(key: string | Buffer): Buffer | null;
  /** SCAN as a synchronous iterator. */
  scanIterator(options?: { MATCH?: string; COUNT?: number; TYPE?: string }): IterableIterator<string>;
  /** The engine's counters. */
  stats(): CacheStats;
  /** Tries once to take a lock for `ttlMs`; null if another holder has it. */
  tryLock(name: string | Buffer, ttlMs: number): CacheLock | null;
  /** Fixed window: at most `limit` requests per `windowSeconds`. */
  rateLimitFixed(key: string | Buffer, limit: number, windowSeconds: number): RateLimit;
  /** Sliding window: at most `limit` requests in any `windowSeconds`. */
  rateLimitSliding(key: string | Buffer, limit: number, windowSeconds: number): RateLimit;
  /** GCRA, as redis-cell's CL.THROTTLE. */
  throttle(key: string | Buffer, maxBurst: number, count: number, periodSeconds: number, quantity?: number): RateLimit;
}

/** A held lock. */
export interface CacheLock {
  readonly token: string | null;
  /** Compare-and-delete; false if the lock expired or changed hands. */
  release(): boolean;
  /** Sets the TTL to `ms` from now if the lock is still ours. */
  extend(ms: number): boolean;
}

/** A rate limiter's answer. */
export interface RateLimit {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until a retry can succeed (null when allowed). */
  retryAfter: number | null;
  /** Seconds until the full allowance is back. */
  resetAfter: number;
}

/** The client createClient() returns: node-redis v4's RedisClientType, plus its cache. */
export type FerriClient = RedisClientType & { readonly cache: Cache };

/**
 * A node-redis v4 style client over the in-process engine. Clients share one cache by
 * default (made by the first with its engine options; a later one asking for others
 * throws); `{ private: true }` makes a cache of its own, `{ cache }` attaches to a given
 * one. Socket options are ignored; the URL's database (`redis://host/3`), or
 * `database`, chooses the client's database, unless `remote: true` makes the URL the
 * server's.
 */
export declare function createClient(options?: RedisClientOptions & EngineOptions & RemoteOptions & { cache?: Cache; private?: boolean }): FerriClient;

export declare const commandOptions: typeof redisCommandOptions;
export { ErrorReply } from '@redis/client/dist/lib/errors';
