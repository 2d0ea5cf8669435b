// A hand-made SVG: two panels (grants per second, handoff p50) of grouped bars on log scales, one group per
// (hold, contenders), one bar per system.
interface Row {
  system: string;
  contenders: number;
  holdMs: number;
  grantsPerSecond: number;
  handoffMs: { p50: number };
}

const COLORS: Record<string, string> = {
  temporal: '#6c47ff',
  'temporal-sqlite': '#b9a5ff',
  'temporal-default-server': '#9a9a9a',
  'article-mutex': '#2e9e5b',
  'temporal-release-in-activity': '#3b1fa8',
  'temporal-fast': '#1a0a66',
  'temporal-lock-in-activity': '#0b6e4f',
  redis: '#d6402c',
  postgres: '#2f6f9f',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

function panel(rows: Row[], value: (r: Row) => number, title: string, unit: string, y0: number): string {
  const systems = [...new Set(rows.map((r) => r.system))];
  const groups = [...new Set(rows.map((r) => `${r.holdMs}|${r.contenders}`))];
  const left = 70;
  const width = 1100;
  const height = 260;
  const values = rows.map(value).filter((v) => Number.isFinite(v) && v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...values, 1))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, 10))));
  const y = (v: number): number =>
    y0 +
    30 +
    height -
    ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * height;
  const groupW = (width - left - 20) / groups.length;
  const barW = Math.min(30, (groupW - 10) / systems.length);
  const out: string[] = [];
  out.push(`<text x="${left}" y="${y0 + 18}" font-size="15" font-weight="bold">${esc(title)}</text>`);
  for (let d = lo; d <= hi; d *= 10) {
    out.push(`<line x1="${left}" x2="${width}" y1="${y(d)}" y2="${y(d)}" stroke="#ddd"/>`);
    out.push(
      `<text x="${left - 6}" y="${y(d) + 4}" font-size="11" text-anchor="end">${d >= 1 ? d : d.toPrecision(1)} ${unit}</text>`,
    );
  }
  groups.forEach((g, gi) => {
    const [hold, contenders] = g.split('|');
    const gx = left + gi * groupW + (groupW - systems.length * barW) / 2;
    systems.forEach((s, si) => {
      const row = rows.find((r) => r.system === s && `${r.holdMs}|${r.contenders}` === g);
      const v = row ? value(row) : NaN;
      if (!Number.isFinite(v) || v <= 0) return;
      const x = gx + si * barW;
      out.push(
        `<rect x="${x}" y="${y(v)}" width="${barW - 2}" height="${y(lo) - y(v)}" fill="${COLORS[s] ?? '#888'}"><title>${esc(`${s}: ${v} ${unit}`)}</title></rect>`,
      );
    });
    out.push(
      `<text x="${gx + (systems.length * barW) / 2}" y="${y(lo) + 14}" font-size="11" text-anchor="middle">${contenders}×</text>`,
    );
    out.push(
      `<text x="${gx + (systems.length * barW) / 2}" y="${y(lo) + 27}" font-size="10" text-anchor="middle" fill="#666">${hold} ms</text>`,
    );
  });
  out.push(`<text x="${left - 6}" y="${y(lo) + 14}" font-size="10" text-anchor="end">contenders</text>`);
  out.push(
    `<text x="${left - 6}" y="${y(lo) + 27}" font-size="10" text-anchor="end" fill="#666">hold</text>`,
  );
  return out.join('\n');
}

/** The comparison chart as a standalone SVG document. */
export function barChartSvg(rows: Row[], mode: string): string {
  const systems = [...new Set(rows.map((r) => r.system))];
  const legend = systems
    .map(
      (s, i) =>
        `<rect x="${70 + i * 140}" y="664" width="14" height="14" fill="${COLORS[s] ?? '#888'}"/><text x="${90 + i * 140}" y="676" font-size="13">${esc(s)}</text>`,
    )
    .join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="1120" height="690" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(
      rows,
      (r) => r.grantsPerSecond,
      `Grants per second on one resource (log scale, higher is better) — ${mode} run`,
      '/s',
      0,
    ),
    panel(
      rows,
      (r) => r.handoffMs.p50,
      'Handoff latency p50, holder leaves → next enters (log scale, lower is better)',
      'ms',
      330,
    ),
    legend,
    '</svg>',
    '',
  ].join('\n');
}
