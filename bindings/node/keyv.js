'use strict';
// require('ferricache/keyv'): a Keyv storage adapter, so Keyv and cache-manager v7 keep
// their entries in ferricache. Keyv prefixes keys with its namespace and passes TTLs in
// milliseconds; values are stored as JSON text.

const EventEmitter = require('node:events');
const { Cache } = require('./index');

class KeyvFerricache extends EventEmitter {
  /**
   * @param {Cache | object} [cacheOrOptions] a Cache, or engine options for a new one
   */
  constructor(cacheOrOptions) {
    super();
    this.cache = cacheOrOptions instanceof Cache ? cacheOrOptions : new Cache(cacheOrOptions);
    this.opts = { dialect: 'ferricache', url: 'ferricache://in-process' };
  }

  #decode(raw) {
    return raw === null ? undefined : JSON.parse(raw);
  }

  async get(key) {
    return this.#decode(this.cache.get(key));
  }

  async getMany(keys) {
    if (keys.length === 0) return [];
    return this.cache.mGet(keys).map((v) => this.#decode(v));
  }

  /** `ttl` in milliseconds (undefined or 0: no expiry). */
  async set(key, value, ttl) {
    const text = JSON.stringify(value);
    if (typeof ttl === 'number' && ttl > 0) this.cache.set(key, text, { PX: Math.ceil(ttl) });
    else this.cache.set(key, text);
    return true;
  }

  async setMany(entries) {
    return Promise.all(entries.map(({ key, value, ttl }) => this.set(key, value, ttl)));
  }

  async delete(key) {
    return this.cache.del(key) === 1;
  }

  async deleteMany(keys) {
    return keys.length > 0 && this.cache.del(keys) > 0;
  }

  async has(key) {
    return this.cache.exists(key) === 1;
  }

  async hasMany(keys) {
    return keys.map((k) => this.cache.exists(k) === 1);
  }

  #keys(namespace) {
    const match = namespace ? `${namespace}:*` : '*';
    return [...this.cache.scanIterator({ MATCH: match, COUNT: 1000 })];
  }

  /** `[key, value]` pairs, of one namespace if given. */
  async *iterator(namespace = this.namespace) {
    for (const k of this.#keys(namespace)) {
      const raw = this.cache.get(k);
      if (raw !== null) yield [k, JSON.parse(raw)];
    }
  }

  /** Deletes the keys of Keyv's namespace (every key when there is none). */
  async clear() {
    if (!this.namespace) {
      this.cache.flushAll();
      return;
    }
    const keys = this.#keys(this.namespace);
    if (keys.length) this.cache.del(keys);
  }

  async disconnect() {}
}

module.exports = KeyvFerricache;
module.exports.KeyvFerricache = KeyvFerricache;
module.exports.default = KeyvFerricache;
