/** The controller's baseline: hono on Bun.serve parsing a JSON body and echoing it. PORT from the environment. */
import { Hono } from "hono";

const app = new Hono();
app.post("/echo", async (c) => c.json(await c.req.json()));
app.get("/health", (c) => c.text("ok"));
Bun.serve({ hostname: "127.0.0.1", port: Number(process.env.PORT), fetch: app.fetch });
