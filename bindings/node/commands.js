'use strict';
// The command surface both faces share: node-redis v4's own command definitions (the
// argument and reply transformers of @redis/client), run against the in-process engine.

const COMMANDS = require('@redis/client/dist/lib/client/commands').default;
const { transformCommandArguments, transformCommandReply } = require('@redis/client/dist/lib/commander');
const { ErrorReply } = require('@redis/client/dist/lib/errors');

// Blocking pops: served from waiters in Rust, never by blocking a thread.
const BLOCKING = {
  BLPOP: 'lhead',
  BRPOP: 'ltail',
  BZPOPMIN: 'zmin',
  BZPOPMAX: 'zmax',
  BLMOVE: null,
  BRPOPLPUSH: null,
};

/** Arguments as the native layer takes them: strings and Buffers. */
function argv(args) {
  const out = new Array(args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    out[i] = typeof a === 'string' || Buffer.isBuffer(a) ? a : String(a);
  }
  return out;
}

/** Runs argv on a native cache; an error reply becomes an ErrorReply, as node-redis's. */
function execute(native, args, buffers) {
  try {
    return native.execute(argv(args), buffers);
  } catch (e) {
    throw new ErrorReply(e.message);
  }
}

/**
 * A blocking pop given as argv, resolved when an element arrives or the timeout (seconds,
 * 0 = forever) passes. The raw reply is as on the wire (RESP2 arrays), for the command's
 * transformReply.
 */
function blockingPop(native, args, buffers) {
  if (native.isNearCache) {
    // The pop waits on the server, on a thread of the libuv pool.
    return native.executeAsync(argv(args), buffers).catch((e) => { throw new ErrorReply(e.message); });
  }
  const name = String(args[0]).toUpperCase();
  return new Promise((resolve, reject) => {
    let keys, take, timeout, move = null;
    if (name === 'BLMOVE' || name === 'BRPOPLPUSH') {
      const [, src, dst] = args;
      const from = name === 'BRPOPLPUSH' ? 'RIGHT' : String(args[3]).toUpperCase();
      const to = name === 'BRPOPLPUSH' ? 'LEFT' : String(args[4]).toUpperCase();
      timeout = Number(args[args.length - 1]);
      let moved;
      try {
        moved = execute(native, ['LMOVE', src, dst, from, to], buffers);
      } catch (e) {
        return reject(e);
      }
      if (moved !== null) return resolve(moved);
      keys = [src];
      take = from === 'LEFT' ? 'lhead' : 'ltail';
      move = { src, dst, from, to };
    } else {
      keys = args.slice(1, -1);
      take = BLOCKING[name];
      timeout = Number(args[args.length - 1]);
    }
    if (!Number.isFinite(timeout) || timeout < 0) {
      return reject(new ErrorReply('ERR timeout is not a float or out of range'));
    }
    let timer = null;
    let waiter;
    const finish = () => {
      const got = waiter.tryTake();
      if (got === null) return false;
      if (timer) clearTimeout(timer);
      if (!move) return resolve(got), true;
      const [, element] = got;
      try {
        execute(native, [move.to === 'LEFT' ? 'LPUSH' : 'RPUSH', move.dst, element], buffers);
      } catch (e) {
        execute(native, [move.from === 'LEFT' ? 'LPUSH' : 'RPUSH', move.src, element], buffers);
        return reject(e), true;
      }
      return resolve(element), true;
    };
    try {
      waiter = native.popWaiter(argv(keys), take, !!buffers, () => finish());
    } catch (e) {
      return reject(new ErrorReply(e.message));
    }
    if (finish()) return;
    if (timeout > 0) {
      timer = setTimeout(() => {
        waiter.cancel();
        resolve(null);
      }, timeout * 1000);
    }
  });
}

module.exports = { COMMANDS, BLOCKING, argv, execute, blockingPop, transformCommandArguments, transformCommandReply, ErrorReply };
