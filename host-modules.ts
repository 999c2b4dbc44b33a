/**
 * Lets plugin files loaded from disk import `model-compose` (this API) and `valibot`
 * even where no node_modules exists next to them, as with the compiled binary on a
 * server: both resolve to the copies inside this executable, so a plugin's schemas and
 * `definePlugin` are the very ones the core uses.
 *
 * This needs Bun's module plugins. Under Deno it does nothing: a plugin's bare imports
 * go through Deno's own resolution, i.e. the import map in deno.json (`model-compose`
 * -> ./mod.ts) and the node_modules beside the plugin or beside model-compose.
 */
import { host, registerModules } from "./runtime/host/mod.ts";

let registered = false;

export async function registerHostModules(): Promise<void> {
  if (registered || host.name !== "bun") return;
  registered = true;
  const [api, valibot] = await Promise.all([import("./mod.ts"), import("valibot")]);
  registerModules("model-compose-host-modules", { "model-compose": { ...api }, valibot: { ...valibot } });
}
