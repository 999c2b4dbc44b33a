// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile texts use ${ARG} substitutions
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { baseImages } from "./dockerfile-bases.ts";

const root = path.resolve(import.meta.dir, "../../..");

describe("baseImages", () => {
  test("the default Dockerfile builds from its BASE_IMAGE argument", () => {
    const text = readFileSync(path.join(root, "plugins/runtimes/docker/Dockerfile.default"), "utf8");
    expect(baseImages(text)).toEqual(["debian:bookworm-slim"]);
    expect(baseImages(text, { BASE_IMAGE: "model-compose/busybox:local" })).toEqual([
      "model-compose/busybox:local",
    ]);
  });

  test("the project's multi-stage Dockerfile: builder and runtime images, not its stages", () => {
    const text = readFileSync(path.join(root, "Dockerfile"), "utf8");
    expect(baseImages(text)).toEqual(["oven/bun:1.4.5-debian", "gcr.io/distroless/cc-debian12:nonroot"]);
  });

  const cases: Array<[string, string, Record<string, string>, string[]]> = [
    ["plain", "FROM debian:12\nRUN true\n", {}, ["debian:12"]],
    [
      "lower-case keyword and a platform flag",
      "from --platform=linux/amd64 alpine:3 as base\n",
      {},
      ["alpine:3"],
    ],
    [
      "stages are not images",
      "FROM a:1 AS build\nFROM build\nFROM b:2 AS final\nFROM final\n",
      {},
      ["a:1", "b:2"],
    ],
    ["scratch is not an image", "FROM a:1 AS b\nFROM scratch\nCOPY --from=b /x /x\n", {}, ["a:1"]],
    ["repeats once", "FROM a:1 AS x\nFROM a:1 AS y\n", {}, ["a:1"]],
    ["ARG default", "ARG BASE=debian:12\nFROM ${BASE}\n", {}, ["debian:12"]],
    ["build arg wins", "ARG BASE=debian:12\nFROM $BASE\n", { BASE: "ubuntu:24.04" }, ["ubuntu:24.04"]],
    ["quoted default", 'ARG BASE="debian:12"\nFROM ${BASE}\n', {}, ["debian:12"]],
    ["${X:-default}", "ARG TAG\nFROM node:${TAG:-20}\n", {}, ["node:20"]],
    ["an argument without a value is skipped", "ARG TAG\nFROM node:${TAG}\nFROM a:1\n", {}, ["a:1"]],
    ["ARG after FROM does not apply to FROM", "FROM a:1\nARG B=x:1\nFROM ${B}\n", {}, ["a:1"]],
    ["continuations and comments", "# base\nFROM \\\n  debian:12 \\\n  AS base\n", {}, ["debian:12"]],
  ];
  for (const [name, text, args, expected] of cases) {
    test(name, () => expect(baseImages(text, args)).toEqual(expected));
  }
});
