import { z } from "zod";

/**
 * Every setting Herald reads, parsed once. A missing or malformed variable stops the process with a message
 * naming it, instead of surfacing later as an obscure Firebase or crypto error. Documented in .env.example.
 */
const emailList = z
  .string()
  .default("")
  .transform((s) =>
    s
      .split(",")
      .map((e) => e.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(z.array(z.email({ message: "must be a comma-separated list of email addresses" })));

const hostPort = z
  .string()
  .regex(/^[\w.-]+:\d{2,5}$/, { message: "must look like host:port" })
  .optional();

const secret = z.string().min(32, "must be at least 32 characters of random text");

/** What the queue drain needs, wherever it runs (Next server, local worker, Cloud Function). */
const drainFields = {
  FIREBASE_PROJECT_ID: z.string().min(1, "is required (use demo-herald locally)"),
  FIRESTORE_EMULATOR_HOST: hostPort,
  HERALD_BASE_URL: z
    .url({ message: "must be an absolute URL, e.g. http://127.0.0.1:3000" })
    // Every invitation link is built from it: refuse to start with the placeholder apphosting.yaml ships with.
    // (zod runs refinements after a failed format check too, so the URL may not parse here.)
    .refine((url) => !URL.canParse(url) || !new URL(url).hostname.endsWith(".invalid"), "is still the .invalid placeholder: set the app's public URL"),
  HERALD_TOKEN_SECRET: secret,
  HERALD_CREDENTIALS_KEY: z
    .string()
    .refine((s) => Buffer.from(s, "base64").length === 32, "must be 32 bytes, base64-encoded (openssl rand -base64 32)"),
  HERALD_BURN_FLUSH_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  HERALD_BURN_SHARDS: z.coerce.number().int().min(1).max(64).default(8),
  HERALD_BURN_GUARD_REFRESH_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
};

export const serverEnvSchema = z
  .object({
    ...drainFields,
    FIREBASE_AUTH_EMULATOR_HOST: hostPort,
    FIREBASE_WEB_API_KEY: z.string().min(1, "is required (any non-empty string with the Auth emulator)"),
    FIREBASE_AUTH_DOMAIN: z.string().min(1).optional(),
    HERALD_ADMIN_EMAILS: emailList,
    HERALD_SESSION_DAYS: z.coerce.number().int().min(1).max(14).default(5),
    HERALD_TOKEN_SECRET_PREVIOUS: secret.optional(),
    HERALD_CLIENT_IP_HEADER: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, { message: "must be a header name, e.g. x-fah-client-ip" })
      .transform((name) => name.toLowerCase())
      .optional(),
  })
  .superRefine((env, ctx) => {
    // A demo- project id is Firebase's guarantee that nothing can reach a real project: insist on it whenever
    // an emulator is in use, so a stray production id cannot mix emulator auth with real data or vice versa.
    const emulated = Boolean(env.FIRESTORE_EMULATOR_HOST || env.FIREBASE_AUTH_EMULATOR_HOST);
    if (emulated && !env.FIREBASE_PROJECT_ID.startsWith("demo-")) {
      ctx.addIssue({
        code: "custom",
        path: ["FIREBASE_PROJECT_ID"],
        message: "must start with demo- when an emulator host is set",
      });
    }
  });

export type ServerEnv = z.infer<typeof serverEnvSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Herald cannot start: invalid configuration\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export const drainEnvSchema = z.object(drainFields);
export type DrainEnv = z.infer<typeof drainEnvSchema>;

export function parseDrainEnv(source: Record<string, string | undefined>): DrainEnv {
  return parseWith(drainEnvSchema, withPlatformDefaults(source));
}

export function parseServerEnv(source: Record<string, string | undefined>): ServerEnv {
  return parseWith(serverEnvSchema, withPlatformDefaults(source));
}

function jsonObject(text: string | undefined): Record<string, unknown> {
  if (!text?.trim().startsWith("{")) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * What Google's platforms already tell a process, used where a variable is not set: Cloud Functions set
 * GCLOUD_PROJECT and FIREBASE_CONFIG; App Hosting sets FIREBASE_CONFIG and FIREBASE_WEBAPP_CONFIG (the web
 * app's public config). A deploy then configures only what is Herald's own.
 */
function withPlatformDefaults(source: Record<string, string | undefined>): Record<string, string | undefined> {
  const admin = jsonObject(source.FIREBASE_CONFIG);
  const web = jsonObject(source.FIREBASE_WEBAPP_CONFIG);
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  const defaults = {
    FIREBASE_PROJECT_ID: text(admin.projectId) ?? text(web.projectId) ?? text(source.GCLOUD_PROJECT),
    FIREBASE_WEB_API_KEY: text(web.apiKey),
    FIREBASE_AUTH_DOMAIN: text(web.authDomain),
  };
  const filled = { ...source };
  for (const [name, value] of Object.entries(defaults)) filled[name] ??= value;
  return filled;
}

function parseWith<S extends z.ZodType>(schema: S, source: Record<string, string | undefined>): z.infer<S> {
  const result = schema.safeParse(source);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const missing = issue.code === "invalid_type" && issue.message.endsWith("received undefined");
        return `${issue.path.join(".") || "environment"} ${missing ? "is required (see .env.example)" : issue.message}`;
      }),
    );
  }
  return result.data;
}

/** True when the Firebase Auth emulator is in use: sign-in then offers email/password for the local admin. */
export function usesAuthEmulator(env: Pick<ServerEnv, "FIREBASE_AUTH_EMULATOR_HOST">): boolean {
  return Boolean(env.FIREBASE_AUTH_EMULATOR_HOST);
}
