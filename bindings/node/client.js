'use strict';
// createClient(): a client shaped like node-redis v4's, over the in-process engine.

const EventEmitter = require('node:events');
const { ClientClosedError, ErrorReply, MultiErrorReply, WatchError } = require('@redis/client/dist/lib/errors');
const { COMMANDS, BLOCKING, argv, execute, blockingPop, transformCommandArguments, transformCommandReply } = require('./commands');
const native = require('./native');

/**
 * Near-cache mode: a hit is answered at once, without leaving the event loop; a command
 * that needs the server (a miss, a write) runs on the libuv thread pool.
 */
function nearSend(engine, args, buffers) {
  const a = argv(args);
  let reply;
  try {
    reply = engine.executeNoWait(a, buffers);
  } catch (e) {
    return Promise.reject(new ErrorReply(e.message));
  }
  if (reply !== undefined) return Promise.resolve(reply);
  return serverSend(engine, a, buffers);
}

/** A command that needs the server, on the libuv thread pool. */
function serverSend(engine, a, buffers) {
  return engine.executeAsync(a, buffers).catch((e) => { throw new ErrorReply(e.message); });
}

/** EXEC's replies as node-redis shapes them: transformed, or MultiErrorReply if any failed. */
function transformReplies(queue, raw) {
  const errorIndexes = [];
  const replies = raw.map((reply, i) => {
    if (reply instanceof Error) {
      errorIndexes.push(i);
      return reply instanceof ErrorReply ? reply : new ErrorReply(reply.message);
    }
    const { transformReply, args } = queue[i];
    return transformReply ? transformReply(reply, args.preserve) : reply;
  });
  if (errorIndexes.length) throw new MultiErrorReply(replies, errorIndexes);
  return replies;
}

/**
 * The database a client's options name, as node-redis v4 reads them: the URL's path
 * (`redis://host:6379/3`) over `database`. In near-cache mode (`remote: true`) the URL
 * names the server's database instead, and the local one is 0.
 */
function databaseOf(options) {
  let db = options.database ?? 0;
  if (options.url && options.remote !== true) {
    const { pathname } = new URL(options.url);
    if (pathname.length > 1) {
      db = Number(pathname.substring(1));
      if (Number.isNaN(db)) throw new TypeError('Invalid pathname');
    }
  }
  return db;
}

class FerriClient extends EventEmitter {
  #cache;
  #options;
  /** The database this client works in, and the cache's handle on it (null: db 0's). */
  #db;
  #handle = null;
  /** GET of a string key on this client's database without a round trip (see #send). */
  #localGet = null;
  #localSet = null;
  #open = false;
  #subscriber = null;
  #listeners = { channels: new Map(), patterns: new Map() };

  constructor(cache, options = {}) {
    super();
    this.#cache = cache;
    this.#options = options;
    this.#db = databaseOf(options);
  }

  get #engine() { return this.#handle ?? this.#cache._engine; }

  /** The Cache this client runs on. */
  get cache() { return this.#cache; }
  get options() { return this.#options; }
  get isOpen() { return this.#open; }
  get isReady() { return this.#open; }
  get isPubSubActive() { return this.#subscriber !== null; }

  async connect() {
    if (this.#open) throw new Error('Socket already opened');
    if (this.#db !== 0) this.#use(this.#db);
    this.#open = true;
    queueMicrotask(() => { this.emit('connect'); this.emit('ready'); });
    return this;
  }

  async quit() {
    this.#close();
    return 'OK';
  }

  async disconnect() { this.#close(); }

  #close() {
    if (!this.#open) throw new ClientClosedError();
    this.#open = false;
    this.#stopSubscriber();
    queueMicrotask(() => this.emit('end'));
  }

  /** A new client on the same cache (as node-redis's duplicate() connects to the same server). */
  duplicate(overrides = {}) {
    return new FerriClient(this.#cache, { ...this.#options, ...overrides });
  }

  ref() {}
  unref() {}

  async sendCommand(args, options) {
    return this.#send(args, options?.returnBuffers);
  }

  #send(args, buffers) {
    if (!this.#open) return Promise.reject(new ClientClosedError());
    const name = String(args[0]).toUpperCase();
    if (name === 'SELECT') return this.select(args[1]).then(() => 'OK');
    const engine = this.#engine;
    if (name === 'GET' && args.length === 2 && typeof args[1] === 'string' && !buffers) {
      // The hottest call skips argv's conversions: one native call that answers a hit or
      // a local read, or says (undefined) that near-cache mode needs the server.
      let value;
      try {
        value = this.#getter()(args[1]);
      } catch (e) {
        return Promise.reject(new ErrorReply(e.message));
      }
      if (value !== undefined) return Promise.resolve(value);
      return serverSend(engine, argv(args), buffers);
    }
    if (name === 'SET' && args.length === 3 && typeof args[1] === 'string' && typeof args[2] === 'string'
        && !this.#cache._near) {
      // Plain SET on the local engine (near-cache mode writes through to the server).
      try {
        this.#setter()(args[1], args[2]);
      } catch (e) {
        return Promise.reject(new ErrorReply(e.message));
      }
      return Promise.resolve('OK');
    }
    if (name in BLOCKING) return blockingPop(engine, args, buffers);
    if (this.#cache._near) return nearSend(engine, args, buffers);
    try {
      return Promise.resolve(execute(engine, args, buffers));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async commandsExecutor(command, args) {
    const { args: redisArgs, options } = transformCommandArguments(command, args);
    const reply = await this.#send(redisArgs, options?.returnBuffers);
    return transformCommandReply(command, reply, redisArgs.preserve);
  }

  async *scanIterator(options) {
    let cursor = 0;
    do {
      const reply = await this.scan(cursor, options);
      cursor = reply.cursor;
      for (const key of reply.keys) yield key;
    } while (cursor !== 0);
  }

  async *hScanIterator(key, options) {
    let cursor = 0;
    do {
      const reply = await this.hScan(key, cursor, options);
      cursor = reply.cursor;
      for (const tuple of reply.tuples) yield tuple;
    } while (cursor !== 0);
  }

  async *sScanIterator(key, options) {
    let cursor = 0;
    do {
      const reply = await this.sScan(key, cursor, options);
      cursor = reply.cursor;
      for (const member of reply.members) yield member;
    } while (cursor !== 0);
  }

  async *zScanIterator(key, options) {
    let cursor = 0;
    do {
      const reply = await this.zScan(key, cursor, options);
      cursor = reply.cursor;
      for (const member of reply.members) yield member;
    } while (cursor !== 0);
  }

  /** This client's own MULTI queue and WATCHed keys in the engine, made on first use. */
  #native = null;

  /** A command on this client's own state (WATCH, MULTI, EXEC ...), as a promise. */
  #clientSend(args, buffers) {
    if (!this.#open) return Promise.reject(new ClientClosedError());
    if (!this.#native) this.#native = this.#engine.client();
    const a = argv(args);
    if (this.#cache._near) {
      // WATCH and EXEC wait for the server: on the libuv thread pool.
      return this.#native.executeAsync(a, buffers).catch((e) => { throw new ErrorReply(e.message); });
    }
    try {
      return Promise.resolve(this.#native.execute(a, buffers));
    } catch (e) {
      return Promise.reject(new ErrorReply(e.message));
    }
  }

  /** Points this client at database `db` (throws the engine's ErrorReply if it cannot). */
  #use(db) {
    try {
      this.#handle = db === 0 ? null : this.#cache._engine.select(Number(db));
    } catch (e) {
      throw new ErrorReply(e.message);
    }
    this.#db = Number(db);
    this.#localGet = null;
    this.#localSet = null;
  }

  /** The local getter for this client's database, made on first use. */
  #getter() {
    if (this.#localGet === null) this.#localGet = this.#bound(native.rawLocalGetter);
    return this.#localGet;
  }

  /** The setter for this client's database (local engine only), made on first use. */
  #setter() {
    if (this.#localSet === null) this.#localSet = this.#bound(native.rawSetter);
    return this.#localSet;
  }

  /** A fast function bound to this client's database; it holds its own handle on the
   * engine, so the slot is only lent to make it. */
  #bound(make) {
    const slot = this.#engine.register();
    try {
      return make(slot);
    } finally {
      native.release(slot);
    }
  }

  /** SELECT: this client's later commands run in database `db` (resolves to undefined,
   * as node-redis v4's). */
  async select(db) {
    if (!this.#open) throw new ClientClosedError();
    const n = Number(db);
    if (!Number.isInteger(n)) throw new ErrorReply('ERR value is not an integer or out of range');
    this.#use(n);
    if (this.#native) await this.#clientSend(['SELECT', String(n)]);
  }

  SELECT(db) { return this.select(db); }

  /** WATCH: the next exec() of this client rejects with WatchError if a key changes first. */
  async watch(keys) {
    return this.#clientSend(['WATCH', ...(Array.isArray(keys) ? keys : [keys])]);
  }

  /** UNWATCH. */
  async unwatch() {
    return this.#clientSend(['UNWATCH']);
  }

  /**
   * MULTI, as node-redis v4's: commands queue on the chain; exec() runs them as one
   * atomic step (MULTI / EXEC on this client), rejecting with WatchError when a watched
   * key changed, with EXECABORT's ErrorReply when a command was refused while queueing
   * (nothing is applied then), or with MultiErrorReply (`replies`, `errorIndexes`) when
   * commands failed while running. execAsPipeline() runs them in order, without MULTI,
   * and rejects with the first error.
   */
  multi() {
    const queue = [];
    const client = this;
    const chain = new Proxy({}, {
      get(_, name) {
        if (name === 'exec') return (asPipeline = false) => (asPipeline ? client.#pipeline(queue) : client.#transaction(queue));
        if (name === 'execAsPipeline') return () => client.#pipeline(queue);
        if (name === 'addCommand') {
          return (args, transformReply) => { queue.push({ args, transformReply }); return chain; };
        }
        if (name === 'select' || name === 'SELECT') {
          return (db) => { queue.push({ args: ['SELECT', String(db)] }); return chain; };
        }
        const command = COMMANDS[name];
        if (!command) return undefined;
        return (...args) => {
          queue.push({ args: command.transformArguments(...args), transformReply: command.transformReply });
          return chain;
        };
      },
    });
    return chain;
  }

  async #transaction(queue) {
    await this.#clientSend(['MULTI']);
    for (const { args } of queue) {
      // A command refused here makes EXEC fail with EXECABORT, which is what rejects.
      await this.#clientSend(args).catch(() => {});
    }
    const replies = await this.#clientSend(['EXEC']);
    // A SELECT inside the transaction moved this client.
    if (this.#native.db !== this.#db) this.#use(this.#native.db);
    if (replies === null) throw new WatchError();
    return transformReplies(queue, replies);
  }

  async #pipeline(queue) {
    if (!queue.length) return [];
    // Every command runs; as node-redis's, the first error (if any) is what rejects.
    const replies = await Promise.allSettled(queue.map(({ args }) => this.#send(args, false)));
    const failed = replies.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return transformReplies(queue, replies.map((r) => r.value));
  }

  /** As node-redis v4's: runs `fn` with a client of its own (for WATCH / MULTI). */
  async executeIsolated(fn) {
    if (!this.#open) throw new ClientClosedError();
    const isolated = this.duplicate();
    await isolated.connect();
    try {
      return await fn(isolated);
    } finally {
      if (isolated.isOpen) await isolated.disconnect();
    }
  }

  // -- pub/sub ---------------------------------------------------------------------------

  #ensureSubscriber() {
    if (!this.#open) throw new ClientClosedError();
    if (!this.#subscriber) {
      // Buffers throughout; listeners that did not ask for Buffers get strings.
      this.#subscriber = this.#cache._native.subscriber(true, () => this.#deliver());
    }
    return this.#subscriber;
  }

  #stopSubscriber() {
    if (this.#subscriber) {
      this.#subscriber.close();
      this.#subscriber = null;
      this.#listeners.channels.clear();
      this.#listeners.patterns.clear();
    }
  }

  #deliver() {
    if (!this.#subscriber) return;
    for (const [pattern, channel, message] of this.#subscriber.drain()) {
      const table = pattern === null ? this.#listeners.channels : this.#listeners.patterns;
      const set = table.get((pattern ?? channel).toString());
      if (!set) continue;
      for (const [listener, buffers] of set) {
        try {
          if (buffers) listener(message, channel);
          else listener(message.toString(), channel.toString());
        } catch (e) {
          this.emit('error', e);
        }
      }
    }
  }

  async #add(kind, names, listener, bufferMode) {
    const sub = this.#ensureSubscriber();
    const list = (Array.isArray(names) ? names : [names]).map(String);
    const table = kind === 'p' ? this.#listeners.patterns : this.#listeners.channels;
    for (const n of list) {
      if (!table.has(n)) table.set(n, new Map());
      table.get(n).set(listener, !!bufferMode);
    }
    if (kind === 'p') sub.psubscribe(list); else sub.subscribe(list);
  }

  async #remove(kind, names, listener) {
    if (!this.#subscriber) return;
    const table = kind === 'p' ? this.#listeners.patterns : this.#listeners.channels;
    const list = names === undefined ? [...table.keys()] : (Array.isArray(names) ? names : [names]).map(String);
    const gone = [];
    for (const n of list) {
      const set = table.get(n);
      if (!set) continue;
      if (listener) set.delete(listener); else set.clear();
      if (set.size === 0) { table.delete(n); gone.push(n); }
    }
    if (gone.length) {
      if (kind === 'p') this.#subscriber.punsubscribe(gone); else this.#subscriber.unsubscribe(gone);
    }
    if (this.#listeners.channels.size === 0 && this.#listeners.patterns.size === 0) this.#stopSubscriber();
  }

  subscribe(channels, listener, bufferMode) { return this.#add('c', channels, listener, bufferMode); }
  SUBSCRIBE(channels, listener, bufferMode) { return this.subscribe(channels, listener, bufferMode); }
  pSubscribe(patterns, listener, bufferMode) { return this.#add('p', patterns, listener, bufferMode); }
  PSUBSCRIBE(patterns, listener, bufferMode) { return this.pSubscribe(patterns, listener, bufferMode); }
  unsubscribe(channels, listener) { return this.#remove('c', channels, listener); }
  UNSUBSCRIBE(channels, listener) { return this.unsubscribe(channels, listener); }
  pUnsubscribe(patterns, listener) { return this.#remove('p', patterns, listener); }
  PUNSUBSCRIBE(patterns, listener) { return this.pUnsubscribe(patterns, listener); }
}

// Every node-redis command as a method returning a promise, except those defined above.
for (const [name, command] of Object.entries(COMMANDS)) {
  if (name in FerriClient.prototype) continue;
  Object.defineProperty(FerriClient.prototype, name, {
    value: function (...args) { return this.commandsExecutor(command, args); },
    writable: true,
    configurable: true,
  });
}

// Upper-case aliases of the commands on a client's own state, as node-redis has them.
for (const [upper, lower] of [['WATCH', 'watch'], ['UNWATCH', 'unwatch'], ['MULTI', 'multi']]) {
  Object.defineProperty(FerriClient.prototype, upper, {
    value: FerriClient.prototype[lower],
    writable: true,
    configurable: true,
  });
}

module.exports = { FerriClient };
