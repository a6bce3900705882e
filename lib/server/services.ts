import "server-only";
import type { ServiceContext } from "@/lib/services/context";
import { getContainer } from "./container";

/** The context every use case takes, wired from the Next composition root; entry points call this per request. */
export function serviceContext(): ServiceContext {
  const { firestore, clock, env } = getContainer();
  return {
    db: firestore.db,
    clock,
    tokenSecret: env.HERALD_TOKEN_SECRET,
    previousTokenSecret: env.HERALD_TOKEN_SECRET_PREVIOUS,
    baseUrl: env.HERALD_BASE_URL,
  };
}
