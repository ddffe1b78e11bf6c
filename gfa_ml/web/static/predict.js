// Predict page: CIFs and typed records (inputs.js) -> POST /predict -> results table.
"use strict";
(function () {
  const meta = JSON.parse(document.getElementById("meta").textContent);
  const $ = (id) => document.getElementById(id);
  const el = gfaInputs.el;
  const inputs = gfaInputs.setup();
  let lastForm = null;

  const fmt = (v, digits) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits));

  function bars(container, text) {
    const parts = (text || "").split(";").filter(Boolean).map((p) => {
      const i = p.lastIndexOf(":");
      return [p.slice(0, i), parseFloat(p.slice(i + 1))];
    }).reverse();
    if (!parts.length) return;
    const div = el("div", null, "bars");
    container.appendChild(div);
    Plotly.newPlot(div, [{ type: "bar", orientation: "h", x: parts.map((p) => p[1]),
      y: parts.map((p) => p[0]), marker: { color: parts.map((p) => (p[1] > 0 ? "#00897b" : "#e53935")) } }],
      { margin: { l: 230, r: 8, t: 4, b: 20 }, height: 90, width: 340, font: { size: 10 } },
      { staticPlot: true });
  }

  function render(data) {
    const table = $("results");
    table.replaceChildren();
    const anchor = meta.targets.find((t) => t.anchor) || meta.targets[0];
    const head = el("tr");
    ["id", "status"].concat(meta.targets.map((t) => t.heading),
      ["in domain", "nearest known", "top features (" + anchor.heading + ")", "notes"])
      .forEach((h) => head.appendChild(el("th", h)));
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    data.predictions.forEach((r) => {
      const tr = body.appendChild(el("tr"));
      tr.dataset.id = r.id;
      tr.appendChild(el("td", r.id));
      tr.appendChild(el("td", r.status, "status"));
      meta.targets.forEach((t) => {
        const td = el("td", fmt(r[t.output], t.digits), "num");
        td.dataset.col = t.output;
        if (t.interval && r[t.output + "_lo"] !== null) {
          td.appendChild(el("span", "90 %: " + fmt(r[t.output + "_lo"], t.digits) + " – " +
            fmt(r[t.output + "_hi"], t.digits), "interval"));
        }
        if (t.anchor && r.meltable_call) {
          td.appendChild(el("span", "call: " + r.meltable_call + " (threshold " +
            fmt(r.meltable_threshold, 2) + ")", "interval"));
        }
        tr.appendChild(td);
      });
      tr.appendChild(el("td", r.in_domain ? "yes" : "no", "domain"));
      tr.appendChild(gfaInputs.nearestCell(r.nearest_known));
      const feats = tr.appendChild(el("td"));
      bars(feats, r[anchor.name + "_top_features"]);
      const notes = tr.appendChild(el("td", null, "long"));
      [r.agreement, r.flags ? "flagged: " + r.flags : "", r.error].filter(Boolean)
        .forEach((n) => notes.appendChild(el("div", n)));
    });
    table.hidden = false;
  }

  const post = (fd, format) => gfaInputs.post("/predict" + (format ? "?format=" + format : ""), fd);

  gfaInputs.wire("predict-form", "csv", async () => {
    lastForm = inputs.formData();
    const data = await (await post(lastForm)).json();
    if (data.note) { $("note").textContent = "note: " + data.note; $("note").hidden = false; }
    render(data);
  }, async () => gfaInputs.download(await post(lastForm, "csv"), "predictions.csv"));
})();
