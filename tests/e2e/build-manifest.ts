import { readFileSync } from "node:fs";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";

/**
 * What the production build contains, from Next's own manifests: every page and route handler
 * (app-paths-manifest.json) and every server action (server-reference-manifest.json). Tests that enumerate
 * these cover tomorrow's routes without being edited.
 */

const DIST = path.resolve(process.env.HERALD_NEXT_DIST_DIR ?? ".next");

export type Kind = "page" | "route";
export interface Entry {
  kind: Kind;
  /** The URL pattern, e.g. /admin/events/[id]. */
  pattern: string;
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(path.join(DIST, file), "utf8")) as T;
  } catch (error) {
    throw new Error(`Cannot read ${file} from ${DIST}: run \`npm run build\` first (${(error as Error).message})`);
  }
}

/** app/admin/(group)/@slot/x/page → /admin/x: groups and parallel slots are not part of the URL. */
function urlPattern(appPath: string): string {
  const segments = appPath.split("/").filter((s) => s && !s.startsWith("(") && !s.startsWith("@"));
  return `/${segments.join("/")}`;
}

export function entries(): Entry[] {
  const manifest = readJson<Record<string, string>>("server/app-paths-manifest.json");
  return Object.keys(manifest).map((key) => {
    const kind: Kind = key.endsWith("/route") ? "route" : "page";
    return { kind, pattern: urlPattern(key.replace(/\/(page|route)$/, "")) };
  });
}

export interface ActionEntry {
  id: string;
  name: string;
  file: string;
  /** A page whose bundle holds the action: Next runs an action only from a page that uses it. */
  page: string;
}

export function actions(): ActionEntry[] {
  type Manifest = Record<"node" | "edge", Record<string, { workers: Record<string, unknown>; exportedName?: string; filename?: string }>>;
  const manifest = readJson<Manifest>("server/server-reference-manifest.json");
  return [...Object.entries(manifest.node ?? {}), ...Object.entries(manifest.edge ?? {})].map(([id, action]) => {
    const worker = Object.keys(action.workers)[0] ?? "app/page";
    return { id, name: action.exportedName ?? id, file: action.filename ?? "?", page: urlPattern(worker.replace(/^app/, "").replace(/\/page$/, "")) };
  });
}

/** A URL for a pattern: dynamic segments get values no record has, so nothing real is touched. */
export function concrete(pattern: string): string {
  return pattern
    .replace(/\[\[\.\.\.[^\]]+\]\]/g, "access-check")
    .replace(/\[\.\.\.[^\]]+\]/g, "access-check/more")
    .replace(/\[[^\]]+\]/g, "access-check");
}


/** Calls a server action the way Next's client does: a POST, to a page that uses it, naming the action's id. */
export function callAction(
  request: APIRequestContext,
  action: ActionEntry,
  origin: string,
  body: string,
  contentType = "text/plain;charset=UTF-8",
) {
  return request.post(concrete(action.page), {
    headers: { "next-action": action.id, accept: "text/x-component", origin, "content-type": contentType },
    data: body,
    maxRedirects: 0,
  });
}
