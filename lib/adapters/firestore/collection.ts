import type { z } from "zod";

/**
 * A collection is declared once: its path and the zod schema every document read from it must satisfy.
 * Documents written by another process (the worker, the Cloud Function, an older deploy) are validated on
 * read, so a schema drift shows up as a clear error at the edge instead of as undefined deep in a service.
 */
export interface CollectionDef<T> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
}

export function defineCollection<T>(name: string, schema: z.ZodType<T>): CollectionDef<T> {
  return { name, schema };
}

export interface DocRef<T> {
  readonly collection: CollectionDef<T>;
  readonly id: string;
}

export function docRef<T>(collection: CollectionDef<T>, id: string): DocRef<T> {
  return { collection, id };
}

export type WhereOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not-in" | "array-contains";

/**
 * Queries are plain data, executed only by MeteredFirestore: no call site ever holds a raw Firestore query it
 * could run without the burn meter seeing it.
 */
export interface QuerySpec {
  where?: readonly (readonly [field: string, op: WhereOp, value: unknown])[];
  orderBy?: readonly (readonly [field: string, direction: "asc" | "desc"])[];
  limit?: number;
  startAfter?: readonly unknown[];
  startAt?: readonly unknown[];
}

export interface Snapshot<T> {
  id: string;
  data: T;
  /**
   * The server's exact update time, as an opaque token: pass it back as a write precondition to make the write
   * fail if anything changed the document since this read. (A Date would drop the microseconds and never match.)
   */
  version: string;
}
