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
/**
 * Bans a layer of lib/ however the import spells it: "@/lib/adapters/x", or a relative "../adapters/x" or
 * "../../lib/adapters/x" (a relative path must not be a way around the direction rules).
 */
const banLayer = (layers, message) => ({ regex: `^(?:@/|(?:\\.\\.?/)+)(?:lib/)?(?:${layers.join("|")})(?:/|$)`, message });

const adapters = banLayer(["adapters"], "The domain never depends on adapters; adapters depend on the domain.");
const innermost = [
  banLayer(["services", "server", "client"], "The domain is the innermost layer."),
  banLayer(["components"], "The domain knows nothing of the UI; components import the domain."),
];
const mailSdks = banGroup(["nodemailer", "@sendgrid/*", "resend"], "Provider SDKs live in lib/adapters/email only.");
const serverMessage = "components/ run in the browser: pass data in as props, call server actions, never import server code.";
const serverCode = [banLayer(["server", "services", "adapters", "config"], serverMessage), banGroup(["firebase-admin", "firebase-admin/*"], serverMessage)];

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
    rules: { "no-restricted-imports": ["error", { patterns: [firebaseAdmin, webSdk, nextOnly, nodeIo, adapters, mailSdks, ...innermost] }] },
  },
  {
    files: ["lib/domain/invitations/token.ts", "lib/domain/invitations/identity.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [firebaseAdmin, webSdk, nextOnly, adapters, mailSdks, ...innermost] }] },
  },
  {
    files: ["lib/services/**/*.ts", "lib/ports/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [firebaseAdmin, webSdk, nextOnly, mailSdks, banLayer(["server"], "Services take their ports as arguments; composition roots wire them.")] }] },
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
    rules: { "no-restricted-imports": ["error", { patterns: [...serverCode, mailSdks] }] },
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
            banLayer(["adapters"], "Entry points call services through the composition root (lib/server)."),
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
    rules: { "no-restricted-imports": ["error", { patterns: [firebaseAdmin, banLayer(["server", "services", "adapters"], "lib/client runs in the browser.")] }] },
  },
);
