import { describe, expect, it } from "vitest";
import { isDecodableActionRequest } from "./action-request";

/** FormData bodies bring their own multipart content type (with the boundary); pass none for them. */
const call = (body: BodyInit, type?: string) =>
  isDecodableActionRequest(new Request("http://herald.test/admin", { method: "POST", headers: type ? { "content-type": type } : {}, body }));

describe("server action payloads", () => {
  it("passes what Next's client sends: a JSON array, or form data whose root field is one", async () => {
    expect(await call('["abc",{"status":"queued"}]', "text/plain;charset=UTF-8")).toBe(true);
    expect(await call("[]", "text/plain;charset=UTF-8")).toBe(true);
    const form = new FormData();
    form.set("0", '["$K1"]');
    form.set("1_answer", "yes");
    expect(await call(form)).toBe(true);
  });

  it("stops anything Next could not decode", async () => {
    for (const body of ["", "[", "x", "null", "1", '"a"', "{}"]) expect(await call(body, "text/plain"), body).toBe(false);
    expect(await call("x", "multipart/form-data; boundary=x")).toBe(false);
    const form = new FormData();
    form.set("1", "[]");
    expect(await call(form)).toBe(false);
  });
});
