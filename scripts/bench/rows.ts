/** One line of the suite's report, and the markdown table of them. */

export interface Row {
  group: string;
  measure: string;
  value?: number;
  unit?: string;
  baseline?: string;
  baseValue?: number;
  ratio?: number;
  detail?: string;
  target?: string;
  met?: boolean;
  /** Why the measure could not be taken (a service missing, a start that failed). */
  unavailable?: string;
}

function num(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return "-";
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 0.1 ? v.toFixed(2) : v.toPrecision(2);
}

export function renderTable(rows: Row[]): string {
  const lines = [
    "| group | measure | figure | baseline (same run) | ratio | target | met |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    if (r.unavailable) {
      lines.push(
        `| ${r.group} | ${r.measure} | unavailable: ${r.unavailable.replace(/\|/g, "\\|")} | | | | |`,
      );
      continue;
    }
    const figure = `${num(r.value)} ${r.unit ?? ""}${r.detail ? ` (${r.detail})` : ""}`;
    const base = r.baseline ? `${r.baseline}: ${num(r.baseValue)} ${r.unit ?? ""}` : "";
    const ratio = r.ratio === undefined ? "" : `${num(r.ratio)}×`;
    const met = r.met === undefined ? "" : r.met ? "yes" : "**no**";
    lines.push(`| ${r.group} | ${r.measure} | ${figure} | ${base} | ${ratio} | ${r.target ?? ""} | ${met} |`);
  }
  return lines.join("\n");
}
