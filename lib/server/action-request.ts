/**
 * Next's server actions decode their arguments before any of our code runs, and answer 500 to a payload they
 * cannot decode. Nothing runs and nothing leaks, but a stranger could fill the logs and the error rate with
 * them, so proxy.ts refuses such payloads first with a 400. What Next's own client sends for an action call is
 * a JSON array of the arguments, or multipart form data whose field "0" is that array.
 */
export function isActionArguments(text: string): boolean {
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
}

/** Reads a copy of the request (Next hands the proxy a clone of the body) and checks it has that shape. */
export async function isDecodableActionRequest(request: Request): Promise<boolean> {
  const type = request.headers.get("content-type") ?? "";
  try {
    if (type.toLowerCase().startsWith("multipart/form-data")) {
      const root = (await request.formData()).get("0");
      return typeof root === "string" && isActionArguments(root);
    }
    return isActionArguments(await request.text());
  } catch {
    return false;
  }
}
