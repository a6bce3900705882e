import { describe, expect, it } from "vitest";
import { autoHaltFormSchema, autoHaltFromForm, budgetFormSchema, budgetFromForm, fieldErrorsOf } from "./settings-form";

describe("the budget and automatic-halt forms", () => {
  it("accepts the free tier, or a paid budget typed with thousands separators", () => {
    expect(budgetFromForm(budgetFormSchema.parse({ plan: "free" }))).toBeNull();
    expect(budgetFromForm(budgetFormSchema.parse({ plan: "paid", reads: "1,000,000", writes: "400 000", deletes: "20000" }))).toEqual({
      reads: 1_000_000,
      writes: 400_000,
      deletes: 20_000,
    });
  });

  it("says which figure is wrong and why", () => {
    const result = budgetFormSchema.safeParse({ plan: "paid", reads: "lots", writes: "0", deletes: "5" });
    expect(result.success).toBe(false);
    expect(fieldErrorsOf(result.error!)).toEqual({ reads: "Enter the daily reads as a whole number", writes: "The daily writes must be at least 1" });
  });

  it("reads the halt levels, off included, and refuses anything else", () => {
    expect(autoHaltFromForm(autoHaltFormSchema.parse({ burnAt: "90", forecastAt: "off" }))).toEqual({ burnAt: 90, forecastAt: null });
    expect(autoHaltFormSchema.safeParse({ burnAt: "95", forecastAt: "off" }).success).toBe(false);
  });
});
