import { expect, test } from "bun:test";
import { attempt, dockerConnection } from "./connection.ts";

test("addresses are parsed like the docker CLI", () => {
  expect(dockerConnection("unix:///run/user/1000/docker.sock").options).toEqual({
    socketPath: "/run/user/1000/docker.sock",
  });
  expect(dockerConnection("tcp://10.0.0.5:2375").options).toEqual({
    protocol: "http",
    host: "10.0.0.5",
    port: "2375",
  });
  expect(dockerConnection("tcp://10.0.0.5:2376", {}).options.protocol).toBe("https");
  expect(dockerConnection("10.0.0.5:2375", { DOCKER_TLS_VERIFY: "1" }).options.protocol).toBe("https");
  expect(dockerConnection("ssh://me@build-host").options).toMatchObject({
    protocol: "ssh",
    host: "build-host",
    username: "me",
  });
  expect(dockerConnection(undefined, { HOME: "/nonexistent" }).options).toEqual({
    socketPath: "/var/run/docker.sock",
  });
  expect(() => dockerConnection("ftp://x")).toThrow(/unsupported scheme/);
});

test("attempt: a failed call says what failed with the daemon's message; expected codes give their value", async () => {
  const daemonError = (statusCode: number, message: string) =>
    Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), {
      statusCode,
      json: { message },
    });
  expect(
    await attempt("inspect image x", async () => Promise.reject(daemonError(404, "no such image")), {
      404: "absent",
    }),
  ).toBe("absent");
  const failure = attempt("stop container c", async () => Promise.reject(daemonError(500, "driver failed")), {
    304: undefined,
  });
  await expect(failure).rejects.toThrow("cannot stop container c: driver failed");
  expect(await attempt("list containers", async () => [1, 2])).toEqual([1, 2]);
});
