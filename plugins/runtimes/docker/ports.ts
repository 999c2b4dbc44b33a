/**
 * `ports` items: the short forms (`"5000:8080"`, `"127.0.0.1::8080"`, `"8080/udp"`,
 * ranges, a bare number) and the long form `{target, published, protocol, mode,
 * host_ip}`, parsed into what the Engine API needs; the schema uses the same parser.
 */
import * as v from "valibot";
import { describeValue, int, mapping, nonEmpty, oneOf, parses } from "../../../runtime/plugin-api.ts";

/** One published port as the Engine API needs it. */
export interface PortMapping {
  containerPort: number;
  protocol: "tcp" | "udp";
  /** Empty: all interfaces. */
  hostIp: string;
  /** Empty: a port the daemon picks. */
  hostPort: string;
}

function portRange(text: string, what: string, allowZero: boolean): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const lo = m ? Number(m[1]) : Number.NaN;
  const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
  const min = allowZero ? 0 : 1;
  if (!m || lo < min || hi > 65535 || hi < lo) {
    throw new Error(
      `${what} ${JSON.stringify(text)} is not a port number (${min}-65535) or a range like 8000-8010`,
    );
  }
  return [lo, hi];
}

/**
 * Parses one `ports` item: `"5000:8080"`, `"127.0.0.1:5000:8080"`, `"[::1]:5000:8080"`,
 * `"127.0.0.1::8080"` (any host port), `"8080/udp"`, `"8000-8001:9000-9001"`, a number
 * (`8081`: 8081 published as 8081), or the long form `{target, published, protocol,
 * mode, host_ip}`. A container port without a host port is published as the same port.
 */
export function parsePort(item: unknown): PortMapping[] {
  if (typeof item === "number") {
    if (!Number.isInteger(item) || item < 1 || item > 65535) {
      throw new Error(`expected a port number 1-65535, found ${describeValue(item)}`);
    }
    return [{ containerPort: item, protocol: "tcp", hostIp: "", hostPort: String(item) }];
  }
  if (typeof item === "string") {
    const m =
      /^(?:(?:\[(?<ip6>[0-9A-Fa-f:.]+)\]|(?<ip4>\d{1,3}(?:\.\d{1,3}){3})):)?(?:(?<host>[\d-]*):)?(?<ctr>[\d-]+)(?:\/(?<proto>[a-z]+))?$/.exec(
        item.trim(),
      );
    if (!m?.groups) {
      throw new Error(
        `expected a port like "5000:8080", "127.0.0.1:5000:8080" or "8080/udp", found ${describeValue(item)}`,
      );
    }
    const { ip6, ip4, host, ctr, proto } = m.groups;
    if (proto !== undefined && proto !== "tcp" && proto !== "udp") {
      throw new Error(`port ${JSON.stringify(item)}: protocol must be tcp or udp, found "${proto}"`);
    }
    const [cLo, cHi] = portRange(ctr, "container port", false);
    const protocol = (proto ?? "tcp") as "tcp" | "udp";
    const hostIp = ip6 ?? ip4 ?? "";
    if (ip4?.split(".").some((o) => Number(o) > 255)) {
      throw new Error(`port ${JSON.stringify(item)}: ${ip4} is not an IPv4 address`);
    }
    // No host port: the same port; an empty one ("127.0.0.1::8080"): any free port.
    let hostPortOf = (p: number) => String(p);
    if (host === "") hostPortOf = () => "";
    else if (host !== undefined) {
      const [hLo, hHi] = portRange(host, "host port", true);
      if (hHi - hLo === cHi - cLo) hostPortOf = (p) => String(hLo + (p - cLo));
      else if (cLo === cHi) hostPortOf = () => `${hLo}-${hHi}`;
      else throw new Error(`port ${JSON.stringify(item)}: host and container port ranges differ in size`);
    }
    const out: PortMapping[] = [];
    for (let p = cLo; p <= cHi; p++)
      out.push({ containerPort: p, protocol, hostIp, hostPort: hostPortOf(p) });
    return out;
  }
  if (item && typeof item === "object" && !Array.isArray(item)) {
    const o = item as PortObject;
    const published = o.published === undefined ? String(o.target) : String(o.published);
    if (o.published !== undefined) portRange(published, "published port", true);
    return [
      {
        containerPort: o.target,
        protocol: o.protocol ?? "tcp",
        hostIp: o.host_ip ?? "",
        hostPort: published,
      },
    ];
  }
  throw new Error(
    `expected a port like "5000:8080", a port number or {target, published}, found ${describeValue(item)}`,
  );
}

export const PortObjectSchema = mapping(
  {
    target: int(1, 65535, "a container port number 1-65535"),
    published: v.optional(
      oneOf(
        {
          number: int(0, 65535, "a port number 0-65535"),
          string: v.pipe(
            v.string(),
            parses((s: string) => portRange(s, "published port", true)),
          ),
        },
        "a port number or a range like 8000-8010",
      ),
    ),
    protocol: v.optional(
      v.picklist(["tcp", "udp"], (issue) => `expected "tcp" or "udp", found ${describeValue(issue.input)}`),
    ),
    mode: v.optional(
      v.picklist(
        ["host", "ingress"],
        (issue) => `expected "host" or "ingress", found ${describeValue(issue.input)}`,
      ),
    ),
    host_ip: v.optional(nonEmpty("an IP address")),
  },
  "a port (a map)",
);

export const PortSchema = oneOf(
  {
    string: v.pipe(v.string(), parses<string>(parsePort)),
    number: v.pipe(v.number(), parses<number>(parsePort)),
    map: PortObjectSchema,
  },
  'a port like "5000:8080", a port number, or {target, published, protocol}',
);

/** A port item in its long form, as validated. */
export type PortObject = v.InferOutput<typeof PortObjectSchema>;
