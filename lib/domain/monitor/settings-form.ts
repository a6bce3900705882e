import { z } from "zod";
import { autoHaltSchema, burnBudgetSchema, type AutoHalt, type BurnCounts } from "./burn";

/**
 * The Settings page's budget and automatic-halt forms, as their inputs hold them (strings). One schema for the
 * browser's check and the server action's, so both refuse the same input with the same words.
 */
const whole = (label: string) =>
  z
    .string()
    .trim()
    .regex(/^\d[\d,\s]*$/, `Enter the daily ${label} as a whole number`)
    .transform((s) => Number(s.replace(/[,\s]/g, "")))
    .pipe(z.number().int().positive(`The daily ${label} must be at least 1`).max(1e12, `That is more ${label} than any plan allows`));

export const budgetFormSchema = z.discriminatedUnion("plan", [
  z.object({ plan: z.literal("free") }),
  z.object({ plan: z.literal("paid"), reads: whole("reads"), writes: whole("writes"), deletes: whole("deletes") }),
]);

export function budgetFromForm(values: z.infer<typeof budgetFormSchema>): BurnCounts | null {
  return values.plan === "free" ? null : burnBudgetSchema.parse({ reads: values.reads, writes: values.writes, deletes: values.deletes });
}

const level = z.enum(["off", "70", "90", "100"], { message: "Choose off, 70 %, 90 % or 100 %" });

export const autoHaltFormSchema = z.object({ burnAt: level, forecastAt: level });

export function autoHaltFromForm(values: z.infer<typeof autoHaltFormSchema>): AutoHalt {
  const n = (v: string) => (v === "off" ? null : Number(v));
  return autoHaltSchema.parse({ burnAt: n(values.burnAt), forecastAt: n(values.forecastAt) });
}

export function fieldErrorsOf(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "form");
    out[key] ??= issue.message;
  }
  return out;
}
