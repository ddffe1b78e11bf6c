// Screen results: text filter over the ranked table, and the Tm–Td window plot with intervals.
"use strict";
(function () {
  const table = document.getElementById("ranked");
  if (!table) return;
  const search = document.getElementById("search");
  const counter = document.getElementById("shown");
  const apply = () => {
    const q = search.value.trim().toLowerCase();
    filterRows(table, (tr) => !q || tr.textContent.toLowerCase().includes(q), counter);
  };
  search.addEventListener("input", apply);
  apply();
  // every structure as a point (its 90 % intervals in the hover text); error bars only for the
  // top candidates, which would otherwise drown in thousands of bars
  const rows = JSON.parse(document.getElementById("ranked-data").textContent)
    .filter((r) => r.Tm_K !== null && r.Td_K !== null);
  const k = (v) => (v === null || v === undefined ? "–" : Math.round(v));
  const hover = rows.map((r) => `${r.id}<br>P(melts first) ${Number(r.p_meltable).toFixed(2)}` +
    `<br>Tm ${k(r.Tm_K)} K (90 %: ${k(r.Tm_K_lo)}–${k(r.Tm_K_hi)})` +
    `<br>Td ${k(r.Td_K)} K (90 %: ${k(r.Td_K_lo)}–${k(r.Td_K_hi)})<br>${r.status}`);
  const all = { type: "scattergl", mode: "markers", name: "structures",
    x: rows.map((r) => r.Tm_K), y: rows.map((r) => r.Td_K), text: hover,
    marker: { size: 5, opacity: 0.6, color: rows.map((r) => r.p_meltable), colorscale: "Viridis",
      cmin: 0, cmax: 1, showscale: true,
      colorbar: { title: { text: "P(melts before<br>decomposing),<br>equal prior odds" } } },
    hovertemplate: "%{text}<extra></extra>" };
  const top = rows.slice(0, 25);
  const bar = (c) => ({ type: "data", symmetric: false,
    array: top.map((r) => (r[c + "_hi"] ?? r[c]) - r[c]),
    arrayminus: top.map((r) => r[c] - (r[c + "_lo"] ?? r[c])), thickness: 0.8, color: "#c62828" });
  const best = { type: "scatter", mode: "markers", name: "top 25 with 90 % intervals",
    x: top.map((r) => r.Tm_K), y: top.map((r) => r.Td_K), text: top.map((r) => r.id),
    error_x: bar("Tm_K"), error_y: bar("Td_K"),
    marker: { size: 8, color: "rgba(0,0,0,0)", line: { color: "#c62828", width: 1.5 } },
    hovertemplate: "%{text}<extra>top 25</extra>" };
  const xs = rows.flatMap((r) => [r.Tm_K, r.Td_K]);
  const lo = Math.min(...xs) * 0.95, hi = Math.max(...xs) * 1.05;
  const diag = { type: "scatter", mode: "lines", name: "Tm = Td", x: [lo, hi], y: [lo, hi],
    line: { dash: "dash", color: "#555" }, hoverinfo: "skip" };
  Plotly.newPlot("window", [all, best, diag], {
    title: { text: "Melt window: above the line the models put Tm below Td", font: { size: 14 } },
    xaxis: { title: { text: "predicted Tm (K)" } }, yaxis: { title: { text: "predicted Td (K)" } },
    legend: { orientation: "h", y: -0.18 }, margin: { t: 40 } },
    { displaylogo: false, responsive: true });
})();
