/**
 * `npm run bench:invite`: one 10,000-row CSV upload into the Firestore emulator, timed along the path an
 * upload takes (decode → parse → inviteGuests), with Firestore reads and writes per created invitation from
 * the burn meter and the outcome checked against the stored documents. See bench/README.md.
 */
import type { BurnCounts } from "@/lib/adapters/firestore/burn-meter";
import { guessColumns } from "@/lib/domain/invitations/columns";
import {
  decodeUtf8Strict,
  parseRecipientTable,
  readRecipientTable,
  type RecipientParseResult,
} from "@/lib/domain/invitations/recipients";
import { chunkInviteRows, revalidateInviteRows, toInviteRowInput } from "@/lib/domain/invitations/upload";
import type { ServiceContext } from "@/lib/services/context";
import { inviteGuests, type InviteSummary } from "@/lib/services/invitations";
import { addresses, recipients, seedEvent, seedProvider } from "@/tests/support/fixtures";
import { DEFAULT_UPLOAD, generateUpload } from "./lib/csv";
import { progress, round } from "./lib/output";
import { runBench, withTestStack, type BenchStack } from "./lib/stack";
import { cpuSince, sampleCpu, summarize } from "./lib/stats";
import { burnDelta, countForEvent, eventCounters } from "./lib/verify";

const TARGETS = { wallSeconds: 20, readsPerInvite: 1, writesPerInvite: 2 } as const;

interface Tally {
  invited: number;
  reinvited: number;
  duplicates: number;
  rejected: number;
}

interface UploadRun {
  tally: Tally;
  calls: number;
  wallSeconds: number;
  /** decode + parse, the part before any Firestore call. */
  parseSeconds: number;
  callSeconds: Float64Array;
  burn: BurnCounts;
  cpu: ReturnType<typeof cpuSince>;
}

const emptyTally = (): Tally => ({ invited: 0, reinvited: 0, duplicates: 0, rejected: 0 });

function add(tally: Tally, summary: Pick<InviteSummary, keyof Tally>): void {
  tally.invited += summary.invited;
  tally.reinvited += summary.reinvited;
  tally.duplicates += summary.duplicates;
  tally.rejected += summary.rejected;
}

/** As the invite panel reads a file: decode, read the cells, guess the columns (confirmed as guessed), parse. */
function decodeAndParse(bytes: Uint8Array): Extract<RecipientParseResult, { ok: true }> {
  const decoded = decodeUtf8Strict(bytes);
  if (!decoded.ok) throw new Error(`decodeUtf8Strict refused the upload: ${decoded.error.message}`);
  const read = readRecipientTable(decoded.text);
  if (!read.ok) throw new Error(`readRecipientTable refused the upload: ${read.error.message}`);
  const columns = guessColumns(read.table);
  if (columns?.email !== 1 || columns.name !== 0) throw new Error(`the column guess missed: ${JSON.stringify(columns)}`);
  const parsed = parseRecipientTable(read.table, columns);
  if (!parsed.ok) throw new Error(`parseRecipientTable refused the upload: ${parsed.error.message}`);
  return parsed;
}

/**
 * What an admin's upload costs end to end, as the invite panel does it: the browser decodes and parses the
 * file, keeps the rows it judged "ok" (it shows duplicates and rejects itself, without a server call) and
 * sends them in calls of at most 500 rows; each server action receives JSON, re-judges the rows and calls
 * inviteGuests. Only the HTTP hop itself is left out.
 */
async function uploadAsTheUiDoes(ctx: ServiceContext, eventId: string, bytes: Uint8Array): Promise<UploadRun> {
  const before = ctx.db.meter.lifetimeTotals();
  const cpu = sampleCpu();
  const t0 = performance.now();
  const parsed = decodeAndParse(bytes);
  const parseSeconds = (performance.now() - t0) / 1000;
  const tally: Tally = { ...emptyTally(), duplicates: parsed.counts.duplicate, rejected: parsed.counts.invalid };
  const calls = chunkInviteRows(parsed.rows.filter((r) => r.status === "ok").map(toInviteRowInput));
  const callSeconds = new Float64Array(calls.length);
  for (const [i, call] of calls.entries()) {
    const c0 = performance.now();
    const checked = revalidateInviteRows(JSON.parse(JSON.stringify(call)) as unknown);
    if (!checked.ok) throw new Error(`revalidateInviteRows refused call ${i + 1}: ${checked.message}`);
    const result = await inviteGuests(ctx, eventId, checked.rows);
    if (!result.ok) throw new Error(`inviteGuests failed on call ${i + 1}: ${result.message}`);
    add(tally, result);
    callSeconds[i] = (performance.now() - c0) / 1000;
    if ((i + 1) % 5 === 0 || i === calls.length - 1) progress(`  call ${i + 1}/${calls.length}: ${tally.invited} invited so far`);
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  return {
    tally,
    calls: calls.length,
    wallSeconds,
    parseSeconds,
    callSeconds,
    burn: burnDelta(before, ctx.db.meter.lifetimeTotals()),
    cpu: cpuSince(cpu),
  };
}

/** The whole parsed upload (duplicates and rejects included) in one inviteGuests call. */
async function uploadInOneCall(ctx: ServiceContext, eventId: string, bytes: Uint8Array): Promise<UploadRun> {
  const before = ctx.db.meter.lifetimeTotals();
  const cpu = sampleCpu();
  const t0 = performance.now();
  const parsed = decodeAndParse(bytes);
  const parseSeconds = (performance.now() - t0) / 1000;
  let reported = 0;
  const result = await inviteGuests(ctx, eventId, parsed.rows, (done, total) => {
    if (done - reported >= 2_000 || done === total) {
      reported = done;
      progress(`  ${done}/${total} addresses written`);
    }
  });
  if (!result.ok) throw new Error(`inviteGuests failed: ${result.message}`);
  const wallSeconds = (performance.now() - t0) / 1000;
  const tally = emptyTally();
  add(tally, result);
  return {
    tally,
    calls: 1,
    wallSeconds,
    parseSeconds,
    callSeconds: Float64Array.of(wallSeconds - parseSeconds),
    burn: burnDelta(before, ctx.db.meter.lifetimeTotals()),
    cpu: cpuSince(cpu),
  };
}

async function stored(stack: BenchStack, eventId: string) {
  const raw = stack.firestore.raw;
  const [invitations, jobs, counters] = await Promise.all([
    countForEvent(raw, "invitations", eventId),
    countForEvent(raw, "jobs", eventId),
    eventCounters(raw, eventId),
  ]);
  return { invitations, jobs, counters };
}

function perInvite(burn: BurnCounts, created: number) {
  return {
    reads: created === 0 ? Number.NaN : round(burn.reads / created, 4),
    writes: created === 0 ? Number.NaN : round(burn.writes / created, 4),
  };
}

await runBench("invite", () =>
  withTestStack({ app: false }, async (stack) => {
    const { ctx } = stack;
    await seedProvider(ctx.db);
    const warmEvent = await seedEvent(ctx, { title: "Bench warm-up" });
    const chunkedEvent = await seedEvent(ctx, { title: "Bench upload (as the UI sends it)" });
    const singleEvent = await seedEvent(ctx, { title: "Bench upload (one call)" });

    // A cold emulator JVM makes the first full-size calls several times slower than the rest: warm it (and
    // this process's JIT and gRPC channel) with full-size calls on an event of its own, counted nowhere.
    const warmRows = recipients(addresses(1_500, "warm"));
    const w0 = performance.now();
    for (let i = 0; i < warmRows.length; i += 500) {
      const warm = await inviteGuests(ctx, warmEvent, warmRows.slice(i, i + 500));
      if (!warm.ok) throw new Error(`warm-up failed: ${warm.message}`);
    }
    progress(`warm-up: ${warmRows.length} invitations in ${((performance.now() - w0) / 1000).toFixed(1)} s`);

    const upload = generateUpload(DEFAULT_UPLOAD);
    const bytes = new TextEncoder().encode(upload.csv);
    progress(
      `CSV: ${DEFAULT_UPLOAD.rows} rows, ${(bytes.byteLength / 1024).toFixed(0)} KiB ` +
        `(${upload.expected.unique} unique, ${upload.expected.duplicates} repeats in another case, ${upload.expected.invalid} invalid)`,
    );

    progress("(b) upload as the UI sends it: calls of ≤ 500 ok rows");
    const chunked = await uploadAsTheUiDoes(ctx, chunkedEvent, bytes);
    progress(`(b) ${chunked.wallSeconds.toFixed(2)} s, ${chunked.calls} calls, ${chunked.burn.reads} reads, ${chunked.burn.writes} writes`);

    progress("(a) upload in one inviteGuests call");
    const single = await uploadInOneCall(ctx, singleEvent, bytes);
    progress(`(a) ${single.wallSeconds.toFixed(2)} s, ${single.burn.reads} reads, ${single.burn.writes} writes`);

    progress("reading the results back from Firestore");
    const [chunkedStored, singleStored] = await Promise.all([stored(stack, chunkedEvent), stored(stack, singleEvent)]);

    const { unique, duplicates, invalid } = upload.expected;
    const correct = (run: UploadRun, s: Awaited<ReturnType<typeof stored>>) =>
      run.tally.invited === unique &&
      run.tally.reinvited === 0 &&
      run.tally.duplicates === duplicates &&
      run.tally.rejected === invalid &&
      s.invitations === unique &&
      s.jobs === unique &&
      s.counters.invited === unique &&
      s.counters.pending === unique;

    const chunkedCost = perInvite(chunked.burn, chunked.tally.invited);
    const singleCost = perInvite(single.burn, single.tally.invited);
    const calls = summarize(chunked.callSeconds.map((s) => s * 1000));
    const wallSeconds = round(chunked.wallSeconds, 2);
    return {
      rows: DEFAULT_UPLOAD.rows,
      created: chunked.tally.invited,
      duplicates: chunked.tally.duplicates,
      rejected: chunked.tally.rejected,
      wallSeconds,
      wallSecondsSingleCall: round(single.wallSeconds, 2),
      readsPerInvite: chunkedCost.reads,
      writesPerInvite: chunkedCost.writes,
      invitationsInFirestore: chunkedStored.invitations,
      jobsInFirestore: chunkedStored.jobs,
      counters: { invited: chunkedStored.counters.invited, pending: chunkedStored.counters.pending },
      correct: correct(chunked, chunkedStored),
      calls: chunked.calls,
      callP50Ms: calls.p50Ms,
      callMaxMs: calls.maxMs,
      callMs: Array.from(chunked.callSeconds, (s) => Math.round(s * 1000)),
      machineCpuBusy: chunked.cpu.machineBusy,
      benchCpuSeconds: chunked.cpu.benchCpuSeconds,
      parseSeconds: round(chunked.parseSeconds, 3),
      reads: chunked.burn.reads,
      writes: chunked.burn.writes,
      duplicatesInOtherCase: upload.expected.duplicatesInOtherCase,
      singleCall: {
        created: single.tally.invited,
        duplicates: single.tally.duplicates,
        rejected: single.tally.rejected,
        readsPerInvite: singleCost.reads,
        writesPerInvite: singleCost.writes,
        reads: single.burn.reads,
        writes: single.burn.writes,
        invitationsInFirestore: singleStored.invitations,
        jobsInFirestore: singleStored.jobs,
        counters: { invited: singleStored.counters.invited, pending: singleStored.counters.pending },
        correct: correct(single, singleStored),
        machineCpuBusy: single.cpu.machineBusy,
        benchCpuSeconds: single.cpu.benchCpuSeconds,
      },
      targets: TARGETS,
      targetsMet: {
        wallSeconds: wallSeconds < TARGETS.wallSeconds,
        readsPerInvite: chunkedCost.reads <= TARGETS.readsPerInvite,
        writesPerInvite: chunkedCost.writes <= TARGETS.writesPerInvite,
      },
    };
  }),
);
