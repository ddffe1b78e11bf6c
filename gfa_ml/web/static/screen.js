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
  const rows = JSON.parse(document.getElementById("ranked-data").textContent)
    .filter((r) => r.Tm_K !== null && r.Td_K !== null);
  const err = (r, c) => ({ plus: (r[c + "_hi"] ?? r[c]) - r[c], minus: r[c] - (r[c + "_lo"] ?? r[c]) });
  const trace = { type: "scatter", mode: "markers", name: "structures",
    x: rows.map((r) => r.Tm_K), y: rows.map((r) => r.Td_K), text: rows.map((r) => r.id),
    marker: { color: rows.map((r) => r.p_meltable), colorscale: "Viridis", showscale: true,
      colorbar: { title: "P(melts)" } },
    error_x: { type: "data", symmetric: false, array: rows.map((r) => err(r, "Tm_K").plus),
      arrayminus: rows.map((r) => err(r, "Tm_K").minus), thickness: 0.5 },
    error_y: { type: "data", symmetric: false, array: rows.map((r) => err(r, "Td_K").plus),
      arrayminus: rows.map((r) => err(r, "Td_K").minus), thickness: 0.5 },
    hovertemplate: "%{text}<br>Tm %{x:.0f} K, Td %{y:.0f} K<extra></extra>" };
  const xs = rows.flatMap((r) => [r.Tm_K, r.Td_K]);
  const lo = Math.min(...xs) * 0.9, hi = Math.max(...xs) * 1.1;
  const diag = { type: "scatter", mode: "lines", name: "Tm = Td", x: [lo, hi], y: [lo, hi],
    line: { dash: "dash", color: "#555" } };
  Plotly.newPlot("window", [trace, diag], { title: "Melt window: above the line, Tm < Td",
    xaxis: { title: "Tm (K), 90 % interval" }, yaxis: { title: "Td (K), 90 % interval" },
    margin: { t: 40 } }, { displaylogo: false, responsive: true });
})();
