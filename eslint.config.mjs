import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * The import direction of the architecture (see README): each ban says why, so a failing lint explains
 * the design instead of just refusing.
 */
const banGroup = (group, message) => ({ group, message });

const firebaseAdmin = banGroup(
  ["firebase-admin", "firebase-admin/*"],
  "Only lib/adapters/firestore and the composition roots talk to firebase-admin; go through a port.",
);
const webSdk = banGroup(["firebase", "firebase/*"], "Only lib/client imports the Firebase web SDK.");
const nextOnly = banGroup(["next", "next/*", "react", "react-dom", "server-only"], "lib/domain and lib/services are framework-free so the worker and Cloud Function can run them.");
const nodeIo = banGroup(
  ["node:fs", "node:fs/*", "node:net", "node:http", "node:https", "node:child_process", "fs", "net", "http", "https", "child_process"],
  "lib/domain is pure: no I/O.",
);
const adapters = banGroup(["@/lib/adapters/*"], "The domain never depends on adapters; adapters depend on the domain.");
const mailSdks = banGroup(["nodemailer", "@sendgrid/*", "resend"], "Provider SDKs live in lib/adapters/email only.");
const serverCode = banGroup(
  ["@/lib/server/*", "@/lib/services/*", "@/lib/adapters/*", "@/lib/config/*", "firebase-admin", "firebase-admin/*"],
  "components/ run in the browser: pass data in as props, call server actions, never import server code.",
);

export default tseslint.config(
  { ignores: [".next*/**", "node_modules/**", "functions/lib/**", "dist/**", "test-results/**", "playwright-report/**", "next-env.d.ts", ".herald-data/**", ".herald-run/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  {
    files: ["lib/domain/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [firebaseAdmin, webSdk, nextOnly, nodeIo, adapters, mailSdks, banGroup(["@/lib/services/*", "@/lib/server/*"], "The domain is the innermost layer.")] }] },
  },
  {
    files: ["lib/domain/invitations/token.ts", "lib/domain/invitations/identity.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [firebaseAdmin, webSdk, nextOnly, adapters, mailSdks] }] },
  },
  {
    files: ["lib/services/**/*.ts", "lib/ports/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [firebaseAdmin, webSdk, nextOnly, mailSdks, banGroup(["@/lib/server/*"], "Services take their ports as arguments; composition roots wire them.")] }] },
  },
  {
    files: ["lib/adapters/email/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [firebaseAdmin, webSdk, nextOnly] }] },
  },
  {
    files: ["lib/adapters/firestore/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [webSdk, nextOnly, mailSdks] }] },
  },
  {
    files: ["components/**/*.{ts,tsx}"],
    rules: { "no-restricted-imports": ["error", { patterns: [serverCode, mailSdks] }] },
  },
  {
    files: ["app/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            firebaseAdmin,
            webSdk,
            mailSdks,
            banGroup(["@/lib/adapters/*"], "Entry points call services through the composition root (lib/server)."),
          ],
        },
      ],
    },
  },
  {
    files: ["lib/server/**/*.ts", "lib/config/**/*.ts", "lib/log/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [webSdk, mailSdks] }] },
  },
  {
    files: ["lib/client/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [firebaseAdmin, banGroup(["@/lib/server/*", "@/lib/adapters/*"], "lib/client runs in the browser.")] }] },
  },
);
