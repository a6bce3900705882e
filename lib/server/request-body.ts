import "server-only";

export const TOO_LARGE = Symbol("too large");

/**
 * The request body as text, or TOO_LARGE past `limit` bytes, whatever Content-Length claims (it may be absent,
 * or lie with a chunked body): reading stops at the limit, so an oversized body costs no more than `limit`.
 */
export async function readBodyLimited(request: Request, limit: number): Promise<string | typeof TOO_LARGE> {
  if (Number(request.headers.get("content-length") ?? 0) > limit) return TOO_LARGE;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}
