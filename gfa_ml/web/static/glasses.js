// Known glasses: search + family filter, and the Tg vs Tm plot with the Tg = 2/3 Tm line.
"use strict";
(function () {
  const table = document.getElementById("materials");
  const search = document.getElementById("search");
  const family = document.getElementById("family");
  const counter = document.getElementById("shown");
  function apply() {
    const q = search.value.trim().toLowerCase();
    const fam = family.value;
    filterRows(table, (tr) => (!fam || tr.dataset.family === fam) &&
      (!q || tr.textContent.toLowerCase().includes(q)), counter);
  }
  search.addEventListener("input", apply);
  family.addEventListener("change", apply);
  apply();
  if (location.hash) {
    const row = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (row) { row.style.background = "#fff59d"; row.scrollIntoView(); }
  }
  const pts = JSON.parse(document.getElementById("plot-data").textContent);
  const fams = [...new Set(pts.map((p) => p.family))].sort();
  const traces = fams.map((f) => {
    const sel = pts.filter((p) => p.family === f);
    return { type: "scatter", mode: "markers", name: f, x: sel.map((p) => p.Tm_K),
      y: sel.map((p) => p.Tg_K), text: sel.map((p) => p.name || p.id),
      hovertemplate: "%{text}<br>Tm %{x:.0f} K, Tg %{y:.0f} K<extra></extra>" };
  });
  const xs = pts.map((p) => p.Tm_K);
  const lo = Math.min(...xs) * 0.95, hi = Math.max(...xs) * 1.05;
  traces.push({ type: "scatter", mode: "lines", name: "Tg = 2/3·Tm", x: [lo, hi],
    y: [lo * 2 / 3, hi * 2 / 3], line: { dash: "dash", color: "#555" } });
  Plotly.newPlot("tg-tm", traces, { title: "Tg vs Tm (measured, K)",
    xaxis: { title: "Tm (K)" }, yaxis: { title: "Tg (K)" }, margin: { t: 40 } },
    { displaylogo: false, responsive: true });
})();
