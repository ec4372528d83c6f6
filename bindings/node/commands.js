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
  BLMPOP: null,
  BZMPOP: null,
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
  if (name === 'BLMPOP' || name === 'BZMPOP') return blockingMultiPop(native, args, buffers);
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
    awaitServed(native, keys, take, buffers, timeout, resolve, reject, (got) => {
      if (!move) return got;
      const [, element] = got;
      try {
        execute(native, [move.to === 'LEFT' ? 'LPUSH' : 'RPUSH', move.dst, element], buffers);
      } catch (e) {
        execute(native, [move.from === 'LEFT' ? 'LPUSH' : 'RPUSH', move.src, element], buffers);
        throw e;
      }
      return element;
    });
  });
}

/**
 * BLMPOP / BZMPOP (timeout numkeys key... LEFT|RIGHT|MIN|MAX [COUNT n]): LMPOP / ZMPOP at
 * once if an element is there; else a waiter for the first element, then up to n - 1 more
 * from the same key, as the engine's blmpop does. The raw reply is as on the wire.
 */
function blockingMultiPop(native, args, buffers) {
  const lists = String(args[0]).toUpperCase() === 'BLMPOP';
  return new Promise((resolve, reject) => {
    const timeout = Number(args[1]);
    if (String(args[1]).trim() === '' || !Number.isFinite(timeout) || timeout < 0) {
      // The engine reports the error, in Redis's order (options before the timeout).
      try {
        return resolve(execute(native, args, buffers));
      } catch (e) {
        return reject(e);
      }
    }
    let now;
    try {
      now = execute(native, [lists ? 'LMPOP' : 'ZMPOP', ...args.slice(2)], buffers);
    } catch (e) {
      return reject(e);
    }
    if (now !== null) return resolve(now);
    const numkeys = Number(args[2]);
    const keys = args.slice(3, 3 + numkeys);
    const where = String(args[3 + numkeys]).toUpperCase();
    const count = String(args[4 + numkeys] ?? '').toUpperCase() === 'COUNT' ? Number(args[5 + numkeys]) : 1;
    const take = lists ? (where === 'LEFT' ? 'lhead' : 'ltail') : (where === 'MIN' ? 'zmin' : 'zmax');
    awaitServed(native, keys, take, buffers, timeout, resolve, reject, (got) => {
      const key = got[0];
      const pop = lists ? (where === 'LEFT' ? 'LPOP' : 'RPOP') : (where === 'MIN' ? 'ZPOPMIN' : 'ZPOPMAX');
      const rest = count > 1 ? execute(native, [pop, key, String(count - 1)], buffers) || [] : [];
      if (lists) return [key, [got[1], ...rest]];
      const members = [[got[1], got[2]]];
      for (let i = 0; i < rest.length; i += 2) members.push([rest[i], rest[i + 1]]);
      return [key, members];
    });
  });
}

/**
 * Waits on a native pop waiter for `keys` (`take`: lhead, ltail, zmin or zmax) until it is
 * served, then resolves what `served` makes of the element (or rejects what it throws); or
 * resolves null after `timeout` seconds (0: never).
 */
function awaitServed(native, keys, take, buffers, timeout, resolve, reject, served) {
  let timer = null;
  let waiter;
  const finish = () => {
    const got = waiter.tryTake();
    if (got === null) return false;
    if (timer) clearTimeout(timer);
    try {
      resolve(served(got));
    } catch (e) {
      reject(e);
    }
    return true;
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
}

module.exports = { COMMANDS, BLOCKING, argv, execute, blockingPop, transformCommandArguments, transformCommandReply, ErrorReply };
