import { Store, SessionData } from 'express-session';
import type { Cache } from './index';

declare namespace FerriStore {
  interface FerriStoreOptions {
  cache?: Cache;
  client?: { cache: Cache };
  prefix?: string;
  ttl?: number | ((sess: SessionData) => number);
  serializer?: { stringify(value: unknown): string; parse(text: string): any };
  disableTouch?: boolean;
  }
}

/** An express-session Store on ferricache; each session's TTL comes from its cookie. */
declare class FerriStore extends Store {
  constructor(options?: FerriStore.FerriStoreOptions);
  readonly cache: Cache;
  get(sid: string, callback: (err: any, session?: SessionData | null) => void): void;
  set(sid: string, session: SessionData, callback?: (err?: any) => void): void;
  destroy(sid: string, callback?: (err?: any) => void): void;
  touch(sid: string, session: SessionData, callback?: (err?: any) => void): void;
}

export = FerriStore;
