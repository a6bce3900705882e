import { z } from "zod";
import { defineCollection } from "./collection";

const counts = z.object({
  reads: z.number().default(0),
  writes: z.number().default(0),
  deletes: z.number().default(0),
});

export const burnShardSchema = z.object({
  day: z.string(),
  shard: z.number(),
  reads: z.number().default(0),
  writes: z.number().default(0),
  deletes: z.number().default(0),
  ops: z.record(z.string(), counts).default({}),
  updatedAt: z.date().optional(),
});
export type BurnShardDoc = z.infer<typeof burnShardSchema>;

export const collections = {
  burn: defineCollection("burn", burnShardSchema),
};
