/**
 * npm run doctor [-- --project <id>] [--emulator <host:port>] [--event <id> …] [--max-reads <n>] [--json]
 *
 * Checks Herald's invariants (lib/services/doctor.ts) against a Firestore: by default the local stack's
 * emulator; with --project and no --emulator, a real project through Application Default Credentials. It only
 * reads, at most --max-reads documents (default 50,000, the free tier's daily reads), and writes nothing (the
 * burn meter is never flushed). Exits 1 when it finds a violation, 0 otherwise.
 */
import { parseArgs } from "node:util";
import { connectFirestore } from "@/lib/adapters/firestore/connect";
import { systemClock } from "@/lib/ports/clock";
import { checkInvariants, formatReport } from "@/lib/services/doctor";
import { LOCAL_PROJECT_ID } from "./lib/local-env";
import { HOST, DEV_PORTS } from "./lib/local-stack";

async function main() {
  const { values } = parseArgs({
    options: {
      project: { type: "string" },
      emulator: { type: "string" },
      event: { type: "string", multiple: true },
      "max-reads": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const projectId = values.project ?? process.env.FIREBASE_PROJECT_ID ?? LOCAL_PROJECT_ID;
  const emulator = values.emulator ?? process.env.FIRESTORE_EMULATOR_HOST ?? (values.project ? undefined : `${HOST}:${DEV_PORTS.firestore}`);
  if (emulator) process.env.FIRESTORE_EMULATOR_HOST = emulator;
  else delete process.env.FIRESTORE_EMULATOR_HOST;
  process.env.METADATA_SERVER_DETECTION ??= "none";
  const maxReads = values["max-reads"] ? Number(values["max-reads"]) : undefined;
  if (maxReads !== undefined && !(Number.isInteger(maxReads) && maxReads > 0)) throw new Error("--max-reads must be a positive whole number");

  const { db } = connectFirestore({ projectId, clock: systemClock, burnShards: 1 });
  // The SDK keeps retrying an address nothing listens on; say so instead of hanging.
  const unreachable = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no answer from Firestore${emulator ? ` at ${emulator} (is the stack running? npm start)` : ""} within 30 s`)), 30_000).unref(),
  );
  const report = await Promise.race([checkInvariants(db, systemClock, { maxReads, eventIds: values.event }), unreachable]);
  if (values.json) console.log(JSON.stringify(report));
  else console.log(`Herald doctor: ${projectId}${emulator ? ` on the emulator at ${emulator}` : ""}\n${formatReport(report)}`);
  process.exit(report.violations.length > 0 ? 1 : 0);
}

main().catch((error) => {
  console.error(`doctor: ${(error as Error).message}`);
  process.exit(2);
});
