/**
 * Lets plugin files loaded from disk import `model-compose` (this API) and `valibot`
 * even where no node_modules exists next to them, as with the compiled binary on a
 * server: both resolve to the copies inside this executable, so a plugin's schemas and
 * `definePlugin` are the very ones the core uses.
 */
let registered = false;

export async function registerHostModules(): Promise<void> {
  if (registered || typeof Bun === "undefined" || typeof Bun.plugin !== "function") return;
  registered = true;
  const [api, valibot] = await Promise.all([import("../mod.ts"), import("valibot")]);
  Bun.plugin({
    name: "model-compose-host-modules",
    setup(build) {
      build.module("model-compose", () => ({ exports: { ...api }, loader: "object" }));
      build.module("valibot", () => ({ exports: { ...valibot }, loader: "object" }));
    },
  });
}
