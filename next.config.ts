import type { NextConfig } from "next";

const config: NextConfig = {
  // firebase-admin and the mail SDKs use Node APIs and dynamic requires: load them from node_modules at
  // run time instead of bundling them.
  serverExternalPackages: ["firebase-admin", "nodemailer", "@sendgrid/client", "@sendgrid/mail", "@sendgrid/eventwebhook", "resend", "handlebars"],
  // Separate build folders let several test stacks (HERALD_TEST_PORT_OFFSET) build side by side.
  distDir: process.env.HERALD_NEXT_DIST_DIR ?? ".next",
  poweredByHeader: false,
  reactStrictMode: true,
  experimental: {
    // Said here rather than left to the default: every server action body is read up to this size and no further.
    // A chunk of an invitation upload stays under it (INVITE_BYTES_PER_CALL in lib/domain/invitations/upload.ts).
    serverActions: { bodySizeLimit: "1mb" },
  },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
        ],
      },
      {
        // Invitation URLs carry the guest's secret token: never sent on as a Referer, never cached, never
        // indexed. Listed after the catch-all so its Referrer-Policy wins. The route handlers set these too.
        source: "/invite/:path*",
        headers: [
          { key: "Referrer-Policy", value: "no-referrer" },
          { key: "Cache-Control", value: "no-store" },
          { key: "X-Robots-Tag", value: "noindex" },
        ],
      },
    ];
  },
};

export default config;
