// End-to-end tests for scripts/install.sh: a fake release is served over HTTP
// from this process and the real script is run against it with sh, dash and
// busybox sh, as root and as an unprivileged user.

import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const SCRIPT = resolve(import.meta.dir, "../../scripts/install.sh");
const PLATFORMS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"] as const;
const SUPPORTED_LIST = "linux-x64, linux-arm64, darwin-x64, darwin-arm64";
const VERSION_LINE = "model-compose 9.9.9 (test)";
const TEST_USER = "mc-install-test";

// The script picks the host's platform; when the host is not one the release
// covers, tests that expect success pin a supported one.
const hostOs = process.platform === "linux" || process.platform === "darwin" ? process.platform : null;
const hostArch = process.arch === "x64" || process.arch === "arm64" ? process.arch : null;
const hostSupported = hostOs !== null && hostArch !== null;
const hostPlatform = hostSupported ? `${hostOs}-${hostArch}` : "linux-x64";
const pinPlatform: Record<string, string> = hostSupported
  ? {}
  : { MODEL_COMPOSE_OS: "linux", MODEL_COMPOSE_ARCH: "x64" };

// Each platform's fake binary differs (by a comment) so the tests can tell
// which one was installed.
function fakeBinary(platform: string): string {
  return [
    "#!/bin/sh",
    `# fake model-compose for ${platform}`,
    'case "$1" in',
    `  --version) echo "${VERSION_LINE}" ;;`,
    '  *) echo "fake model-compose" ;;',
    "esac",
    "",
  ].join("\n");
}

function sha256(data: string): string {
  return new Bun.CryptoHasher("sha256").update(data).digest("hex");
}

const assetName = (platform: string) => `model-compose-${platform}`;

// Releases served under /<release>/<file>:
//   ok      every binary with a correct .sha256
//   badsum  .sha256 files hold the hash of something else
//   nobin   binaries missing (404), .sha256 present
//   nosum   binaries present, .sha256 missing (404)
type Release = Map<string, string>;
const releases = new Map<string, Release>();
const WRONG_HASH = sha256("not the binary");
for (const name of ["ok", "badsum", "nobin", "nosum"]) {
  const files: Release = new Map();
  for (const platform of PLATFORMS) {
    const asset = assetName(platform);
    const body = fakeBinary(platform);
    if (name !== "nobin") files.set(asset, body);
    if (name !== "nosum") {
      const hash = name === "badsum" ? WRONG_HASH : sha256(body);
      files.set(`${asset}.sha256`, `${hash}  ${asset}\n`);
    }
  }
  releases.set(name, files);
}

const requests: string[] = [];
let server: ReturnType<typeof Bun.serve>;
let origin: string;
const cleanupDirs: string[] = [];

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      requests.push(path);
      if (path === "/install.sh") return new Response(Bun.file(SCRIPT));
      const [, release, file] = path.split("/");
      const body = releases.get(release ?? "")?.get(file ?? "");
      if (body === undefined) return new Response("not found\n", { status: 404 });
      return new Response(body, { headers: { "content-type": "application/octet-stream" } });
    },
  });
  origin = `http://127.0.0.1:${server.port}`;
});

afterAll(() => {
  server?.stop(true);
  for (const dir of cleanupDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix = "mc-install-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanupDirs.push(dir);
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// Bun.spawn (not spawnSync): the server answering the script lives in this process.
async function run(cmd: string[], env: Record<string, string>): Promise<Run> {
  const proc = Bun.spawn(cmd, { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

interface Sandbox {
  root: string;
  prefix: string;
  bin: string;
  home: string;
  tmp: string;
  env: Record<string, string>;
}

// A PREFIX, HOME and TMPDIR of its own; TMPDIR lets the tests check that the
// script's download directory is removed on every exit path.
function sandbox(release: string, extra: Record<string, string> = {}): Sandbox {
  const root = tempDir();
  const prefix = join(root, "prefix");
  const home = join(root, "home");
  const tmp = join(root, "tmp");
  mkdirSync(home);
  mkdirSync(tmp);
  return {
    root,
    prefix,
    bin: join(prefix, "bin"),
    home,
    tmp,
    env: {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: home,
      TMPDIR: tmp,
      PREFIX: prefix,
      MODEL_COMPOSE_BASE_URL: `${origin}/${release}`,
      ...pinPlatform,
      ...extra,
    },
  };
}

function expectInstalled(box: Sandbox, result: Run, platform = hostPlatform) {
  const target = join(box.bin, "model-compose");
  expect(result.code).toBe(0);
  expect(result.stderr).toContain(`install.sh: Installed ${VERSION_LINE} to ${target}`);
  // Not a TTY: no color codes.
  expect(result.stderr).not.toContain("\x1b[");
  expect(readFileSync(target, "utf8")).toBe(fakeBinary(platform));
  expect(statSync(target).mode & 0o777).toBe(0o755);
  // Only the final file is left: no staged copy next to it, no download dir.
  expect(readdirSync(box.bin)).toEqual(["model-compose"]);
  expect(readdirSync(box.tmp)).toEqual([]);
}

function expectNothingInstalled(box: Sandbox) {
  expect(existsSync(join(box.bin, "model-compose"))).toBe(false);
  expect(existsSync(box.bin)).toBe(false);
  expect(readdirSync(box.tmp)).toEqual([]);
}

// A directory holding only the named tools, to run the script without curl or wget.
function toolDir(names: string[]): string {
  const dir = tempDir("mc-install-tools-");
  for (const name of names) {
    const path = Bun.which(name);
    if (path === null) throw new Error(`required tool not found: ${name}`);
    symlinkSync(path, join(dir, name));
  }
  return dir;
}
const BASE_TOOLS = [
  ...["uname", "id", "mktemp", "rm", "mkdir", "cp", "chmod", "mv", "tr"],
  Bun.which("sha256sum") !== null ? "sha256sum" : "shasum",
];

// ---- success ----------------------------------------------------------------

test("installs the host platform's binary into $PREFIX/bin", async () => {
  const box = sandbox("ok");
  const before = requests.length;
  const result = await run(["sh", SCRIPT], box.env);

  expectInstalled(box, result);
  expect(requests.slice(before)).toEqual([
    `/ok/model-compose-${hostPlatform}`,
    `/ok/model-compose-${hostPlatform}.sha256`,
  ]);
  // $PREFIX/bin is not on PATH, so the script says how to add it.
  expect(result.stderr).toContain(`install.sh: ${box.bin} is not on your PATH`);
  expect(result.stderr).toContain(`export PATH="${box.bin}:$PATH"`);
  for (const line of result.stderr.trimEnd().split("\n")) expect(line).toStartWith("install.sh: ");
  expect(result.stdout).toBe("");

  const version = await run([join(box.bin, "model-compose"), "--version"], box.env);
  expect(version.stdout.trim()).toBe(VERSION_LINE);
});

test("works piped from curl: curl -fsSL .../install.sh | sh", async () => {
  const box = sandbox("ok");
  const result = await run(["sh", "-c", 'curl -fsSL "$1/install.sh" | sh', "sh", origin], box.env);
  expectInstalled(box, result);
});

test("no PATH hint when the bin dir is already on PATH", async () => {
  const box = sandbox("ok");
  const result = await run(["sh", SCRIPT], { ...box.env, PATH: `${box.prefix}/bin:${box.env.PATH}` });
  expectInstalled(box, result);
  expect(result.stderr).not.toContain("is not on your PATH");
});

test("replaces an existing install", async () => {
  const box = sandbox("ok");
  mkdirSync(box.bin, { recursive: true });
  writeFileSync(join(box.bin, "model-compose"), "#!/bin/sh\necho old\n", { mode: 0o700 });
  const result = await run(["sh", SCRIPT], box.env);
  expectInstalled(box, result);
});

test("installs the binary for MODEL_COMPOSE_OS / MODEL_COMPOSE_ARCH", async () => {
  for (const [os, arch, platform] of [
    ["Darwin", "arm64", "darwin-arm64"],
    ["linux", "aarch64", "linux-arm64"],
    ["darwin", "x86_64", "darwin-x64"],
    ["Linux", "amd64", "linux-x64"],
  ] as const) {
    const box = sandbox("ok", { MODEL_COMPOSE_OS: os, MODEL_COMPOSE_ARCH: arch });
    const result = await run(["sh", SCRIPT], box.env);
    expectInstalled(box, result, platform);
  }
});

test.skipIf(Bun.which("dash") === null)("works under dash", async () => {
  const box = sandbox("ok");
  const result = await run(["dash", SCRIPT], box.env);
  expectInstalled(box, result);
});

test.skipIf(Bun.which("busybox") === null)("works under busybox sh", async () => {
  const box = sandbox("ok");
  const result = await run(["busybox", "sh", SCRIPT], box.env);
  expectInstalled(box, result);
});

test.skipIf(Bun.which("wget") === null)("falls back to wget when curl is missing", async () => {
  const box = sandbox("ok");
  const tools = toolDir([...BASE_TOOLS, "wget"]);
  const result = await run([Bun.which("sh")!, SCRIPT], { ...box.env, PATH: tools });
  expectInstalled(box, result);
});

// ---- failures ---------------------------------------------------------------

test("checksum mismatch: both hashes reported, nothing installed", async () => {
  const box = sandbox("badsum");
  const result = await run(["sh", SCRIPT], box.env);
  const actual = sha256(fakeBinary(hostPlatform));

  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`install.sh: error: checksum mismatch for model-compose-${hostPlatform}`);
  expect(result.stderr).toContain(`expected ${WRONG_HASH}`);
  expect(result.stderr).toContain(`got ${actual}`);
  expect(result.stderr).not.toContain("Installed");
  expectNothingInstalled(box);
});

test("unsupported OS: names it and lists the supported platforms", async () => {
  const box = sandbox("ok", { MODEL_COMPOSE_OS: "freebsd" });
  const before = requests.length;
  const result = await run(["sh", SCRIPT], box.env);

  expect(result.code).toBe(1);
  expect(result.stderr).toContain("install.sh: error: unsupported operating system 'freebsd'");
  expect(result.stderr).toContain(`supported platforms: ${SUPPORTED_LIST}`);
  expect(requests.length).toBe(before);
  expectNothingInstalled(box);
});

test("unsupported architecture: names it and lists the supported platforms", async () => {
  const box = sandbox("ok", { MODEL_COMPOSE_OS: "linux", MODEL_COMPOSE_ARCH: "mips" });
  const before = requests.length;
  const result = await run(["sh", SCRIPT], box.env);

  expect(result.code).toBe(1);
  expect(result.stderr).toContain("install.sh: error: unsupported architecture 'mips'");
  expect(result.stderr).toContain(`supported platforms: ${SUPPORTED_LIST}`);
  expect(requests.length).toBe(before);
  expectNothingInstalled(box);
});

test("binary missing on the server (404): error names the URL", async () => {
  const box = sandbox("nobin");
  const result = await run(["sh", SCRIPT], box.env);
  const url = `${origin}/nobin/model-compose-${hostPlatform}`;

  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`install.sh: error: failed to download ${url}\n`);
  expect(result.stderr).toContain("404");
  expectNothingInstalled(box);
});

test("checksum file missing on the server (404): error names the URL", async () => {
  const box = sandbox("nosum");
  const result = await run(["sh", SCRIPT], box.env);
  const url = `${origin}/nosum/model-compose-${hostPlatform}.sha256`;

  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`install.sh: error: failed to download ${url}\n`);
  expectNothingInstalled(box);
});

test("neither curl nor wget: clear error", async () => {
  const box = sandbox("ok");
  const tools = toolDir(BASE_TOOLS);
  const result = await run([Bun.which("sh")!, SCRIPT], { ...box.env, PATH: tools });

  expect(result.code).toBe(1);
  expect(result.stderr).toContain("install.sh: error: neither curl nor wget was found");
  expectNothingInstalled(box);
});

// ---- no PREFIX, not root: $HOME/.local/bin ----------------------------------

const isRoot = process.getuid?.() === 0;

function idOf(user: string): { uid: number; gid: number } | null {
  const uid = Bun.spawnSync(["id", "-u", user]);
  const gid = Bun.spawnSync(["id", "-g", user]);
  if (uid.exitCode !== 0 || gid.exitCode !== 0) return null;
  return { uid: Number(uid.stdout.toString().trim()), gid: Number(gid.stdout.toString().trim()) };
}

// As root, the script runs as an unprivileged user (created if missing); otherwise as the current user.
function nonRootUser(): { uid: number; gid: number; wrap: string[] } {
  if (!isRoot) return { uid: process.getuid!(), gid: process.getgid!(), wrap: [] };
  let ids = idOf(TEST_USER);
  if (ids === null) {
    const add = Bun.spawnSync(["useradd", "--system", "--no-create-home", TEST_USER]);
    ids = idOf(TEST_USER); // another run may have created it meanwhile
    if (ids === null) throw new Error(`useradd ${TEST_USER} failed: ${add.stderr.toString()}`);
  }
  if (Bun.which("runuser") !== null) return { ...ids, wrap: ["runuser", "-u", TEST_USER, "--"] };
  return {
    ...ids,
    wrap: ["setpriv", `--reuid=${ids.uid}`, `--regid=${ids.gid}`, "--clear-groups", "--"],
  };
}

// Without PREFIX a user who can write /usr/local/bin gets it; then this case
// would replace a real install, so it does not run.
function systemBinWritableBy(wrap: string[]): boolean {
  if (wrap.length > 0) return Bun.spawnSync([...wrap, "test", "-w", "/usr/local/bin"]).exitCode === 0;
  try {
    accessSync("/usr/local/bin", constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const user = nonRootUser();

test.skipIf(systemBinWritableBy(user.wrap))(
  "no PREFIX, not root: installs into $HOME/.local/bin and prints a PATH hint",
  async () => {
    // Directories directly under the system temp dir so the user can reach them.
    const home = tempDir("mc-install-home-");
    const scratch = tempDir("mc-install-tmp-");
    const scripts = tempDir("mc-install-script-");
    chownSync(home, user.uid, user.gid);
    chownSync(scratch, user.uid, user.gid);
    chmodSync(scripts, 0o755);
    const script = join(scripts, "install.sh");
    copyFileSync(SCRIPT, script);
    chmodSync(script, 0o644);

    const systemTarget = "/usr/local/bin/model-compose";
    const systemBefore = existsSync(systemTarget) ? statSync(systemTarget).mtimeMs : null;
    const env = {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      HOME: home,
      TMPDIR: scratch,
      MODEL_COMPOSE_BASE_URL: `${origin}/ok`,
      ...pinPlatform,
    };
    const cmd =
      user.wrap.length > 0
        ? [...user.wrap, "env", "-i", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), "sh", script]
        : ["sh", script];
    const result = await run(cmd, env);

    const bin = join(home, ".local", "bin");
    const target = join(bin, "model-compose");
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`install.sh: Installed ${VERSION_LINE} to ${target}`);
    expect(result.stderr).toContain(`install.sh: ${bin} is not on your PATH`);
    expect(result.stderr).toContain(`export PATH="${bin}:$PATH"`);
    const st = statSync(target);
    expect(st.mode & 0o777).toBe(0o755);
    expect(st.uid).toBe(user.uid);
    expect(readFileSync(target, "utf8")).toBe(fakeBinary(hostPlatform));
    expect(readdirSync(bin)).toEqual(["model-compose"]);
    expect(readdirSync(scratch)).toEqual([]);
    expect(existsSync(systemTarget) ? statSync(systemTarget).mtimeMs : null).toBe(systemBefore);
  },
);
