import { z } from "zod";

/**
 * Runs in the browser before the app hydrates. The admin pages' Content-Security-Policy allows no eval, and zod
 * otherwise probes for it (a caught `new Function("")`) on its first object parse, which the browser still
 * reports as a policy violation. Browser-only: on the server zod keeps its faster compiled parsers.
 */
z.config({ jitless: true });
