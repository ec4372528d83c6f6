import { EventEmitter } from 'node:events';
import type { Cache, EngineOptions } from './index';

/** A Keyv storage adapter on ferricache (for Keyv and cache-manager v7). */
declare class KeyvFerricache extends EventEmitter {
  constructor(cacheOrOptions?: Cache | EngineOptions);
  readonly cache: Cache;
  namespace?: string;
  opts: { dialect: string; url: string };
  get(key: string): Promise<unknown>;
  getMany(keys: string[]): Promise<unknown[]>;
  set(key: string, value: unknown, ttl?: number): Promise<boolean>;
  setMany(entries: Array<{ key: string; value: unknown; ttl?: number }>): Promise<boolean[]>;
  delete(key: string): Promise<boolean>;
  deleteMany(keys: string[]): Promise<boolean>;
  has(key: string): Promise<boolean>;
  hasMany(keys: string[]): Promise<boolean[]>;
  iterator(namespace?: string): AsyncGenerator<[string, unknown], void>;
  clear(): Promise<void>;
  disconnect(): Promise<void>;
}

export = KeyvFerricache;
