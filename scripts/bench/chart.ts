/**
 * The report's chart: requests/second (left panel) and p99 latency (right panel) against
 * concurrency, one line per server. Plain SVG text, so the suite needs no plotting library.
 */

export interface Series {
  name: string;
  /** One point per concurrency, in the order of `concurrencies`. */
  rps: number[];
  p99: number[];
}

const COLOURS = ["#555555", "#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
const W = 360;
const H = 240;
const PAD = { left: 56, right: 12, top: 28, bottom: 40 };

function xmlText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function panel(
  x0: number,
  title: string,
  concurrencies: number[],
  series: Series[],
  pick: (s: Series) => number[],
) {
  const max = niceMax(Math.max(...series.flatMap((s) => pick(s).filter(Number.isFinite))));
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const x = (i: number) =>
    x0 + PAD.left + (concurrencies.length === 1 ? iw / 2 : (i / (concurrencies.length - 1)) * iw);
  const y = (v: number) => PAD.top + ih - (v / max) * ih;
  const parts = [
    `<text x="${x0 + W / 2}" y="16" text-anchor="middle" font-weight="bold">${xmlText(title)}</text>`,
    `<line x1="${x0 + PAD.left}" y1="${PAD.top + ih}" x2="${x0 + PAD.left + iw}" y2="${PAD.top + ih}" stroke="#000"/>`,
    `<line x1="${x0 + PAD.left}" y1="${PAD.top}" x2="${x0 + PAD.left}" y2="${PAD.top + ih}" stroke="#000"/>`,
  ];
  for (let t = 0; t <= 4; t++) {
    const v = (max * t) / 4;
    parts.push(
      `<line x1="${x0 + PAD.left}" y1="${y(v)}" x2="${x0 + PAD.left + iw}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${x0 + PAD.left - 4}" y="${y(v) + 4}" text-anchor="end">${Number(v.toPrecision(3))}</text>`,
    );
  }
  concurrencies.forEach((c, i) => {
    parts.push(`<text x="${x(i)}" y="${PAD.top + ih + 16}" text-anchor="middle">${c}</text>`);
  });
  parts.push(`<text x="${x0 + PAD.left + iw / 2}" y="${H - 6}" text-anchor="middle">concurrency</text>`);
  series.forEach((s, k) => {
    const pts = pick(s)
      .map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : ""))
      .filter(Boolean);
    const colour = COLOURS[k % COLOURS.length];
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.join(" ")}"/>`);
    for (const p of pts) {
      const [px, py] = p.split(",");
      parts.push(`<circle cx="${px}" cy="${py}" r="3" fill="${colour}"/>`);
    }
  });
  return parts.join("\n");
}

export function throughputChart(concurrencies: number[], series: Series[]): string {
  const legend = series
    .map(
      (s, k) =>
        `<rect x="${PAD.left + k * 220}" y="${H + 8}" width="12" height="12" fill="${COLOURS[k % COLOURS.length]}"/>` +
        `<text x="${PAD.left + k * 220 + 18}" y="${H + 18}">${xmlText(s.name)}</text>`,
    )
    .join("\n");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 30}" font-family="sans-serif" font-size="11">`,
    "<title>Requests/second and p99 latency against concurrency</title>",
    `<rect width="100%" height="100%" fill="#fff"/>`,
    panel(0, "requests/second", concurrencies, series, (s) => s.rps),
    panel(W, "p99 latency (ms)", concurrencies, series, (s) => s.p99),
    legend,
    "</svg>",
    "",
  ].join("\n");
}
