'use strict';
// ferricache for Node: a synchronous Cache (node-redis's method names, results returned
// directly) and createClient(), a client shaped like node-redis v4's.

const native = require('./native.js');
const { NativeCache } = native;
const { commandOptions } = require('@redis/client');
const { COMMANDS, BLOCKING, execute, blockingPop, transformCommandArguments, transformCommandReply, ErrorReply } = require('./commands');
const { FerriClient } = require('./client');

function engineOptions(options = {}) {
  const { maxMemory, maxEntries, evictionPolicy, defaultTtl, notifyKeyspaceEvents, shards, activeExpiry, hz, snapshotPath, snapshotLenient } = options;
  return { maxMemory, maxEntries, evictionPolicy, defaultTtl, notifyKeyspaceEvents, shards, activeExpiry, hz, snapshotPath, snapshotLenient };
}

// Near-cache mode's settings (the core's RemoteOptions, by their camelCase names).
const REMOTE_OPTIONS = [
  'localPrefixes', 'maxValueBytes', 'maxElements', 'maxStaleness', 'whenStale',
  'connectTimeout', 'commandTimeout', 'poolSize', 'fillLockTtl', 'tlsRootCertificate',
];

/** `remote` (a URL) and its options; for createClient, `remote: true` takes `url`. */
function remoteOptions(options = {}) {
  let remote = options.remote;
  if (remote === true) remote = options.url;
  if (remote === false || remote === null) remote = undefined;
  if (remote !== undefined && typeof remote !== 'string') {
    throw new TypeError('remote must be a redis:// or rediss:// URL (or true with createClient\'s url)');
  }
  const out = { remote };
  for (const k of REMOTE_OPTIONS) {
    if (options[k] !== undefined && remote === undefined) throw new TypeError(`${k} needs remote`);
    out[k] = options[k];
  }
  return out;
}

function wrapError(fn) {
  try {
    return fn();
  } catch (e) {
    throw e instanceof ErrorReply ? e : new ErrorReply(e.message);
  }
}

/**
 * An in-process cache with node-redis's method names, answering synchronously:
 * `cache.set('k', 'v', { EX: 60 })` returns 'OK', `cache.zRangeWithScores('lb', 0, -1)`
 * returns `[{ value, score }]`. Blocking pops (blPop, brPop, ...) return promises.
 */
// Slots of collected caches are released (see src/fast.rs).
const slots = new FinalizationRegistry((slot) => native.release(slot));

class Cache {
  constructor(options = {}) {
    this._engine = new NativeCache(engineOptions(options), remoteOptions(options));
    this._near = this._engine.isNearCache;
    this._use(options.database ? wrapError(() => this._engine.select(options.database)) : this._engine);
  }

  /** Works through `handle` (the engine's handle on one database) from now on. */
  _use(handle) {
    if (this._slot !== undefined) {
      slots.unregister(this);
      native.release(this._slot);
    }
    this._native = handle;
    this._slot = handle.register();
    this._get = native.rawGetter(this._slot);
    this._set = native.rawSetter(this._slot);
    slots.register(this, this._slot, this);
  }

  /**
   * SELECT: this Cache's later calls run in database `db` (of 16; `{ database }` at
   * construction chooses the first). Caches and clients made on the same engine keep
   * their own.
   */
  select(db) {
    this._use(wrapError(() => this._engine.select(Number(db))));
  }

  SELECT(db) { return this.select(db); }

  /** Any command as argv, as node-redis's sendCommand (synchronous here). */
  sendCommand(args, options) {
    const name = String(args[0]).toUpperCase();
    if (name === 'SELECT') {
      this.select(args[1]);
      return 'OK';
    }
    if (name in BLOCKING) return blockingPop(this._native, args, options?.returnBuffers);
    return execute(this._native, args, options?.returnBuffers);
  }

  // Fast paths for the hottest calls: one native call, no argument transformation.
  get(key) {
    if (arguments.length !== 1 || typeof key !== 'string') return this._run(COMMANDS.GET, [...arguments]);
    try {
      return this._get(key);
    } catch (e) {
      throw new ErrorReply(e.message);
    }
  }

  getBuffer(key) {
    return wrapError(() => this._native.getBuffer(key));
  }

  set(key, value, options) {
    if (options === undefined && typeof key === 'string') {
      if (typeof value === 'string') {
        try {
          this._set(key, value);
        } catch (e) {
          throw new ErrorReply(e.message);
        }
        return 'OK';
      }
      if (Buffer.isBuffer(value)) {
        wrapError(() => native.fastSet(this._slot, key, value));
        return 'OK';
      }
    }
    return this._run(COMMANDS.SET, options === undefined ? [key, value] : [key, value, options]);
  }

  del(keys) {
    if (typeof keys === 'string') return native.fastDel(this._slot, keys);
    return this._run(COMMANDS.DEL, [keys]);
  }

  exists(keys) {
    if (typeof keys === 'string') return native.fastExists(this._slot, keys);
    return this._run(COMMANDS.EXISTS, [keys]);
  }

  incr(key) {
    if (typeof key !== 'string') return this._run(COMMANDS.INCR, [key]);
    return wrapError(() => native.fastIncrBy(this._slot, key, 1));
  }

  incrBy(key, by) {
    if (typeof key !== 'string' || !Number.isSafeInteger(by)) return this._run(COMMANDS.INCRBY, [key, by]);
    return wrapError(() => native.fastIncrBy(this._slot, key, by));
  }

  hGet(key, field) {
    if (typeof key !== 'string' || typeof field !== 'string') return this._run(COMMANDS.HGET, [key, field]);
    return wrapError(() => native.fastHget(this._slot, key, field));
  }

  zScore(key, member) {
    if (typeof key !== 'string' || typeof member !== 'string') return this._run(COMMANDS.ZSCORE, [key, member]);
    return wrapError(() => native.fastZscore(this._slot, key, member));
  }

  *scanIterator(options) {
    let cursor = 0;
    do {
      const reply = this.scan(cursor, options);
      cursor = reply.cursor;
      yield* reply.keys;
    } while (cursor !== 0);
  }

  /**
   * Tries once to take the lock `name` for `ttlMs` (SET NX PX with a random token); a
   * lock object with `token`, `release()` (compare-and-delete) and `extend(ms)`, or null.
   */
  tryLock(name, ttlMs) {
    return wrapError(() => this._native.tryLock(name, ttlMs));
  }

  /** Fixed window: at most `limit` requests per `windowSeconds`. */
  rateLimitFixed(key, limit, windowSeconds) {
    return wrapError(() => this._native.rateLimit('fixed', key, limit, windowSeconds * 1000));
  }

  /** Sliding window: at most `limit` requests in any `windowSeconds`. */
  rateLimitSliding(key, limit, windowSeconds) {
    return wrapError(() => this._native.rateLimit('sliding', key, limit, windowSeconds * 1000));
  }

  /** GCRA, as redis-cell's CL.THROTTLE: `count` per `periodSeconds`, bursts of `maxBurst + 1`. */
  throttle(key, maxBurst, count, periodSeconds, quantity = 1) {
    return wrapError(() => this._native.rateLimit('gcra', key, maxBurst, periodSeconds * 1000, count, quantity));
  }

  /** Whether this cache is a near cache (made with `remote`). */
  get isNearCache() { return this._near; }

  /** Near-cache mode's counters (localHits, fetches, invalidations, ...), or null. */
  nearCacheStats() {
    return this._native.nearCacheStats();
  }

  /** The engine's counters. */
  stats() {
    const [hits, misses, keys, usedMemory, evictions, expirations, blockedClients] = this._native.stats();
    return { hits, misses, keys, usedMemory, evictions, expirations, blockedClients, hitRatio: hits + misses ? hits / (hits + misses) : 0 };
  }

  _run(command, args) {
    const { args: redisArgs, options } = transformCommandArguments(command, args);
    const name = String(redisArgs[0]).toUpperCase();
    if (name in BLOCKING) {
      return blockingPop(this._native, redisArgs, options?.returnBuffers).then((reply) =>
        transformCommandReply(command, reply, redisArgs.preserve));
    }
    const reply = execute(this._native, redisArgs, options?.returnBuffers);
    return transformCommandReply(command, reply, redisArgs.preserve);
  }
}

// Every other node-redis command, synchronous.
for (const [name, command] of Object.entries(COMMANDS)) {
  if (name in Cache.prototype) continue;
  Object.defineProperty(Cache.prototype, name, {
    value: function (...args) { return this._run(command, args); },
    writable: true,
    configurable: true,
  });
}

let shared = null; // { cache, options }: the process's shared Cache and what it was made with

function describe(options) {
  const set = Object.entries(options).filter(([, v]) => v !== undefined);
  return set.length ? set.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ') : 'the default options';
}

/**
 * A client shaped like node-redis v4's createClient(). Clients share one in-process cache
 * by default, as clients of one server share its data: the first createClient() makes it
 * with its engine options (maxMemory, ...), a later one that gives none or the same shares
 * it, and one that gives others throws (it would not get them). `{ private: true }` makes
 * a cache of the client's own; `{ cache }` attaches to a given Cache. node-redis's socket
 * options are accepted and ignored; the URL's database or `database` chooses the
 * client's (see client.js).
 */
function createClient(options = {}) {
  let cache = options.cache;
  if (!cache) {
    const wanted = { ...engineOptions(options), ...remoteOptions(options) };
    const given = Object.values(wanted).some((v) => v !== undefined);
    if (options.private) {
      cache = new Cache(wanted);
    } else if (!shared) {
      shared = { cache: new Cache(wanted), options: wanted };
      cache = shared.cache;
    } else if (!given || Object.keys(wanted).every((k) => wanted[k] === shared.options[k])) {
      cache = shared.cache;
    } else {
      throw new TypeError(
        `this process's shared cache was made with ${describe(shared.options)}, and this createClient() ` +
          `asks for ${describe(wanted)}: give the same options, none, or { private: true } for a cache of its own`,
      );
    }
  }
  return new FerriClient(cache, options);
}

module.exports = { Cache, createClient, commandOptions, ErrorReply };
