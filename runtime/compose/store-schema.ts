/**
 * `controller.store`: where the controller records runs. A driver name
 * (`store: memory`) or a map; `up` uses SQLite in the project's state directory unless
 * told otherwise.
 */
import * as v from "valibot";
import { Count, Duration, describeValue, Size, strictMap, Text } from "../schema-kit.ts";

export const STORE_DRIVERS = ["memory", "sqlite", "postgres"] as const;

const Driver = v.picklist(
  STORE_DRIVERS,
  (i) => `expected a store driver of ${STORE_DRIVERS.join(", ")}, found ${describeValue(i.input)}`,
);

const RetentionSchema = strictMap({
  /** Finished runs older than this are removed. */
  max_age: v.optional(Duration),
  /** At most this many finished runs are kept (the newest). */
  max_count: v.optional(Count),
  /** How often retention runs. */
  interval: v.optional(Duration, "1m"),
});

const StoreMapSchema = v.pipe(
  strictMap({
    driver: v.optional(Driver, "sqlite"),
    /** SQLite: the database file, relative to the project directory; default runs.db in the state directory. */
    path: v.optional(Text),
    /** PostgreSQL: the connection URL (postgres://user:password@host:port/database). */
    url: v.optional(Text),
    /** PostgreSQL: connections in the pool. */
    pool_size: v.optional(v.pipe(Count, v.minValue(1, "expected at least 1 connection")), 10),
    /** How long `up` waits for the database before it gives up (exit 2). */
    connect_timeout: v.optional(Duration, "30s"),
    /** A run's input, output, error or job output larger than this is stored shortened, with a marker. */
    max_value_size: v.optional(Size, "1m"),
    /** memory: bytes of outputs kept in memory; beyond it, the oldest finished runs' outputs are shortened. */
    output_budget: v.optional(Size, "256m"),
    retention: v.optional(RetentionSchema, {}),
  }),
  v.check(
    (s) => s.driver !== "postgres" || (s.url !== undefined && s.url !== ""),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows compose-file syntax
    "the postgres store needs url: (e.g. url: ${env.DATABASE_URL})",
  ),
);

export const StoreSchema = v.union(
  [
    v.pipe(
      Driver,
      v.transform((driver) => v.parse(StoreMapSchema, { driver })),
    ),
    StoreMapSchema,
  ],
  (i) =>
    `expected a store driver (${STORE_DRIVERS.join(", ")}) or a map with driver:, found ${describeValue(i.input)}`,
);

export type StoreConfig = v.InferOutput<typeof StoreMapSchema>;

/** What `up` uses when the compose file names no store. */
export const DEFAULT_STORE: StoreConfig = v.parse(StoreMapSchema, {});
