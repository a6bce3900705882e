export async function register() {
  // Node-only start-up lives in its own module so the edge bundle never sees process APIs.
  if (process.env.NEXT_RUNTIME === "nodejs") await import("./instrumentation-node");
}
