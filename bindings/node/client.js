'use strict';
// createClient(): a client shaped like node-redis v4's, over the in-process engine.

const EventEmitter = require('node:events');
const { ClientClosedError, ErrorReply } = require('@redis/client/dist/lib/errors');
const { COMMANDS, BLOCKING, argv, execute, blockingPop, transformCommandArguments, transformCommandReply } = require('./commands');

/** A queued call as engine batch operations, or null if the batch cannot run it. */
function batchOp(name, args) {
  const key = args[0];
  if (typeof key !== 'string' && !Buffer.isBuffer(key)) return null;
  const n = name.toLowerCase();
  if (n === 'get' && args.length === 1) return [['GET', key]];
  if (n === 'set' && args.length === 2) return [['SET', key, args[1]]];
  if (n === 'set' && args.length === 3 && args[2] && Object.keys(args[2]).join() === 'EX') {
    return [['SETEX', key, String(args[2].EX), args[1]]];
  }
  if (n === 'setex' && args.length === 3) return [['SETEX', key, String(args[1]), args[2]]];
  if ((n === 'del' || n === 'exists') && args.length === 1) {
    const keys = Array.isArray(key) ? key : [key];
    return keys.map((k) => [n === 'del' ? 'DEL' : 'EXISTS', k]);
  }
  if ((n === 'incr' || n === 'decr') && args.length === 1) return [['INCRBY', key, n === 'incr' ? '1' : '-1']];
  if ((n === 'incrby' || n === 'decrby') && args.length === 2) {
    return [['INCRBY', key, String(n === 'incrby' ? args[1] : -args[1])]];
  }
  if (n === 'expire' && args.length === 2) return [['EXPIRE', key, String(args[1])]];
  if (n === 'pttl' && args.length === 1) return [['PTTL', key]];
  return null;
}

function batchOps(queue) {
  const plans = queue.map(([name, args]) => batchOp(name, args));
  return plans.every((p) => p !== null) ? plans : null;
}

function atomicExec(cache, queue, plans) {
  const raw = cache._native.atomic(plans.flat().map((op) => op.map((a) => (Buffer.isBuffer(a) ? a : String(a)))));
  let i = 0;
  return queue.map(([name], q) => {
    const parts = raw.slice(i, (i += plans[q].length));
    const error = parts.find((p) => p instanceof Error);
    if (error) return new ErrorReply(error.message);
    const n = name.toLowerCase();
    if (n === 'del' || n === 'exists') return parts.reduce((a, b) => a + b, 0);
    if (n === 'expire') return parts[0] === 1;
    return parts[0];
  });
}

/**
 * Near-cache mode: a hit is answered at once, without leaving the event loop; a command
 * that needs the server (a miss, a write) runs on the libuv thread pool.
 */
function nearSend(native, args, buffers) {
  const a = argv(args);
  let reply;
  try {
    reply = native.executeNoWait(a, buffers);
  } catch (e) {
    return Promise.reject(new ErrorReply(e.message));
  }
  if (reply !== undefined) return Promise.resolve(reply);
  return native.executeAsync(a, buffers).catch((e) => { throw new ErrorReply(e.message); });
}

class FerriClient extends EventEmitter {
  #cache;
  #options;
  #open = false;
  #subscriber = null;
  #listeners = { channels: new Map(), patterns: new Map() };

  constructor(cache, options = {}) {
    super();
    this.#cache = cache;
    this.#options = options;
  }

  /** The Cache this client runs on. */
  get cache() { return this.#cache; }
  get options() { return this.#options; }
  get isOpen() { return this.#open; }
  get isReady() { return this.#open; }
  get isPubSubActive() { return this.#subscriber !== null; }

  async connect() {
    if (this.#open) throw new Error('Socket already opened');
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
    const native = this.#cache._native;
    if (name in BLOCKING) return blockingPop(native, args, buffers);
    if (this.#cache._near) return nearSend(native, args, buffers);
    try {
      return Promise.resolve(execute(native, args, buffers));
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

  /**
   * MULTI: queued commands run on exec(). A transaction made only of get, set (plain or
   * with EX), setEx, del, exists, incr/incrBy/decr/decrBy, expire and pTTL runs as one
   * atomic batch (no other client's command interleaves, as with MULTI/EXEC); others run
   * in order without that guarantee. Errors come back in place, as ErrorReply objects.
   */
  multi() {
    const queue = [];
    const client = this;
    const chain = new Proxy({}, {
      get(_, name) {
        if (name === 'exec' || name === 'execAsPipeline') {
          return async () => {
            if (!client.#open) throw new ClientClosedError();
            const atomic = name === 'exec' && batchOps(queue);
            if (atomic) return atomicExec(client.#cache, queue, atomic);
            const out = [];
            for (const [cmd, args] of queue) {
              try {
                out.push(await client[cmd](...args));
              } catch (e) {
                out.push(e);
              }
            }
            return out;
          };
        }
        if (name === 'addCommand') {
          return (args) => { queue.push(['sendCommand', [args]]); return chain; };
        }
        if (typeof client[name] !== 'function') return undefined;
        return (...args) => { queue.push([name, args]); return chain; };
      },
    });
    return chain;
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

module.exports = { FerriClient };
