/**
 * Runs once when the Next server boots: a bad configuration stops it here with a message naming each
 * variable, rather than on the first request with an obscure Firebase error.
 */
import { ConfigError, parseServerEnv } from "@/lib/config/env";

try {
  parseServerEnv(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const { shutdownContainer } = await import("@/lib/server/container");
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    void shutdownContainer().finally(() => process.exit(0));
  });
}
