'use strict';
// require('ferricache/session'): an express-session Store on ferricache, with each
// session's TTL taken from its cookie.

const session = require('express-session');
const { Cache } = require('./index');

let shared = null;

class FerriStore extends session.Store {
  /**
   * @param {object} [options]
   * @param {Cache} [options.cache] the cache to use (default: one shared by every store)
   * @param {object} [options.client] or a createClient() client, whose cache is used
   * @param {string} [options.prefix='sess:'] key prefix
   * @param {number} [options.ttl=86400] seconds, for sessions whose cookie has no expiry
   * @param {{stringify: Function, parse: Function}} [options.serializer=JSON]
   * @param {boolean} [options.disableTouch=false]
   */
  constructor(options = {}) {
    super();
    this.cache = options.cache ?? options.client?.cache ?? (shared ??= new Cache());
    this.prefix = options.prefix ?? 'sess:';
    this.ttl = options.ttl ?? 86400;
    this.serializer = options.serializer ?? JSON;
    this.disableTouch = !!options.disableTouch;
  }

  /** Milliseconds the session should live. */
  #ttlMs(sess) {
    const expires = sess?.cookie?.expires;
    if (expires) return Math.max(0, new Date(expires).getTime() - Date.now());
    return (typeof this.ttl === 'function' ? this.ttl(sess) : this.ttl) * 1000;
  }

  get(sid, cb = () => {}) {
    try {
      const raw = this.cache.get(this.prefix + sid);
      cb(null, raw === null ? null : this.serializer.parse(raw));
    } catch (e) {
      cb(e);
    }
  }

  set(sid, sess, cb = () => {}) {
    try {
      const ms = this.#ttlMs(sess);
      if (ms <= 0) {
        this.cache.del(this.prefix + sid);
      } else {
        this.cache.set(this.prefix + sid, this.serializer.stringify(sess), { PX: Math.ceil(ms) });
      }
      cb(null);
    } catch (e) {
      cb(e);
    }
  }

  touch(sid, sess, cb = () => {}) {
    if (this.disableTouch) return cb(null);
    try {
      this.cache.pExpire(this.prefix + sid, Math.max(1, Math.ceil(this.#ttlMs(sess))));
      cb(null);
    } catch (e) {
      cb(e);
    }
  }

  destroy(sid, cb = () => {}) {
    try {
      this.cache.del(this.prefix + sid);
      cb(null);
    } catch (e) {
      cb(e);
    }
  }

  #keys() {
    return [...this.cache.scanIterator({ MATCH: this.prefix + '*', COUNT: 1000 })];
  }

  ids(cb = () => {}) {
    try {
      cb(null, this.#keys().map((k) => k.slice(this.prefix.length)));
    } catch (e) {
      cb(e);
    }
  }

  length(cb = () => {}) {
    try {
      cb(null, this.#keys().length);
    } catch (e) {
      cb(e);
    }
  }

  all(cb = () => {}) {
    try {
      const keys = this.#keys();
      const values = keys.length ? this.cache.mGet(keys) : [];
      cb(null, values.filter((v) => v !== null).map((v) => this.serializer.parse(v)));
    } catch (e) {
      cb(e);
    }
  }

  clear(cb = () => {}) {
    try {
      const keys = this.#keys();
      if (keys.length) this.cache.del(keys);
      cb(null);
    } catch (e) {
      cb(e);
    }
  }
}

module.exports = FerriStore;
module.exports.FerriStore = FerriStore;
module.exports.default = FerriStore;
