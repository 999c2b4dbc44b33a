/**
 * Preloaded by `bun test` (bunfig.toml): hooks declared here apply to every test file.
 * A hook declared in a shared helper module would run for the first file importing it only.
 */
import { afterAll } from "bun:test";
import { removeTempDirs } from "./files.ts";

afterAll(removeTempDirs);
