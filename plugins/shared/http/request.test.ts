import { describe, expect, test } from "bun:test";
import { buildUrl, safeUrl } from "./request.ts";

describe("request URLs", () => {
  test("URLs: endpoint, base_url + path, params", () => {
    const cases: [Parameters<typeof buildUrl>[0], string][] = [
      [{ endpoint: "http://h/a?x=1", params: { y: 2 } }, "http://h/a?x=1&y=2"],
      [{ base_url: "http://h/api/", path: "/v1/chat" }, "http://h/api/v1/chat"],
      [{ base_url: "http://h/api", path: "v1" }, "http://h/api/v1"],
      [{ base_url: "http://h/api" }, "http://h/api"],
      [
        { base_url: "http://h", path: "/m/job/x", params: { t: [1, "b"], n: null } },
        "http://h/m/job/x?t=1&t=b",
      ],
    ];
    for (const [parts, expected] of cases) expect(buildUrl(parts).href).toBe(expected);
  });
  test("URL mistakes are clear errors", () => {
    expect(() => buildUrl({ path: "/x" })).toThrow('`path` "/x" needs a `base_url`');
    expect(() => buildUrl({})).toThrow("no URL: set `endpoint`");
    expect(() => buildUrl({ endpoint: "http://h/a", path: "/b" })).toThrow(
      "both `endpoint` and `path` are set",
    );
    expect(() => buildUrl({ endpoint: "not a url" })).toThrow('not a valid URL: "not a url"');
    expect(() => buildUrl({ endpoint: "ftp://h/x" })).toThrow("unsupported URL scheme ftp:");
  });
  test("safeUrl drops user:password and hides secret-looking query values", () => {
    expect(safeUrl(new URL("https://u:p@h.example/x?token=t&a=1&signature=s"))).toBe(
      "https://h.example/x?token=***&a=1&signature=***",
    );
    expect(safeUrl(new URL("https://h.example/x?a=1"))).toBe("https://h.example/x?a=1");
  });
});
