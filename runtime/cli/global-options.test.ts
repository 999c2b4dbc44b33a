import { describe, expect, test } from "bun:test";
import { globalsAfter, HELP, type OptionValues, parseSection } from "./args.ts";
import { GLOBAL_OPTIONS, type GlobalOptions } from "./global-options.ts";

/** True only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

describe("GlobalOptions", () => {
  test("its type is the one the option table gives", () => {
    const same: Equal<
      GlobalOptions,
      { file?: string[]; projectDirectory?: string; envFile?: string[]; env?: string[]; verbose?: boolean }
    > = true;
    expect(same).toBe(true);
  });

  test("parseSection stores every global option under the key and type GlobalOptions says", () => {
    const values: OptionValues = {};
    const args = [
      "-f",
      "a.yml",
      "-f",
      "b.yml",
      "--project-directory",
      "d",
      "--env-file",
      "e",
      "-e",
      "K=V",
      "-v",
    ];
    const section = parseSection(args, [...GLOBAL_OPTIONS, HELP], values);
    expect(section.error).toBeUndefined();
    const expected: Required<GlobalOptions> = {
      file: ["a.yml", "b.yml"],
      projectDirectory: "d",
      envFile: ["e"],
      env: ["K=V"],
      verbose: true,
    };
    expect(values).toEqual(expected);
  });
});

describe("globalsAfter", () => {
  const own = [{ long: "volumes", short: "v", description: "remove volumes" }] as const;

  test("a command's short option takes the letter from the global one", () => {
    const values: OptionValues = {};
    const section = parseSection(["-v"], [...globalsAfter(GLOBAL_OPTIONS, own), HELP, ...own], values);
    expect(section.error).toBeUndefined();
    expect(values).toEqual({ volumes: true });
    const verbose = globalsAfter(GLOBAL_OPTIONS, own).find((o) => o.long === "verbose");
    expect(verbose?.short).toBeUndefined();
  });

  test("--verbose still works after the command, and the globals are untouched without a clash", () => {
    const values: OptionValues = {};
    parseSection(["--verbose", "-v"], [...globalsAfter(GLOBAL_OPTIONS, own), HELP, ...own], values);
    expect(values).toEqual({ verbose: true, volumes: true });
    expect(globalsAfter(GLOBAL_OPTIONS)).toEqual([...GLOBAL_OPTIONS]);
  });
});
