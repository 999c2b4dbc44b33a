/** The idle-memory baseline: a Bun HTTP server that answers every request with nothing. PORT from the environment. */
Bun.serve({ hostname: "127.0.0.1", port: Number(process.env.PORT), fetch: () => new Response("ok") });
