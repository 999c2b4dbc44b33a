import { describe, expect, test } from "bun:test";
import { HELP, type OptionValues, parseSection } from "./args.ts";
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
