// Sortable tables (click a heading) and a text filter; cells are never parsed as HTML.
"use strict";
function sortable(table) {
  table.querySelectorAll("thead th").forEach((th, col) => {
    th.addEventListener("click", () => {
      const body = table.tBodies[0];
      const up = th.dataset.dir !== "asc";
      th.dataset.dir = up ? "asc" : "desc";
      const key = (tr) => {
        const td = tr.cells[col];
        const raw = td.dataset.value !== undefined ? td.dataset.value : td.textContent.trim();
        const num = parseFloat(raw);
        return raw !== "" && !isNaN(num) && isFinite(raw) ? num : raw.toLowerCase();
      };
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        if (x === y) return 0;
        if (x === "") return 1;
        if (y === "") return -1;
        return (x < y ? -1 : 1) * (up ? 1 : -1);
      });
      rows.forEach((r) => body.appendChild(r));
    });
  });
}
function filterRows(table, keep, counter) {
  let shown = 0;
  Array.from(table.tBodies[0].rows).forEach((tr) => {
    const on = keep(tr);
    tr.hidden = !on;
    shown += on ? 1 : 0;
  });
  if (counter) counter.textContent = shown + " shown";
}
document.querySelectorAll("table.sortable").forEach(sortable);
