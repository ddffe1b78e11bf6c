// Predict page: CIFs (picked or dropped) and typed records -> POST /predict -> results table.
"use strict";
(function () {
  const meta = JSON.parse(document.getElementById("meta").textContent);
  const $ = (id) => document.getElementById(id);
  let dropped = [];
  let lastForm = null;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function files() { return [...$("files").files, ...dropped]; }
  function listFiles() {
    const ul = $("file-list");
    ul.replaceChildren(...files().map((f) => el("li", f.name + " (" + f.size + " bytes)")));
  }
  $("files").addEventListener("change", listFiles);
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    dropped = dropped.concat([...e.dataTransfer.files]);
    listFiles();
  });
  $("add-record").addEventListener("click", () => {
    const body = $("records").tBodies[0];
    const row = body.rows[0].cloneNode(true);
    row.querySelectorAll("input").forEach((i) => { i.value = ""; });
    body.appendChild(row);
  });

  function records() {
    return Array.from($("records").tBodies[0].rows).map((tr) => {
      const rec = {};
      tr.querySelectorAll("input").forEach((i) => { rec[i.name] = i.value.trim(); });
      return rec;
    }).filter((r) => r.id || r.metal || r.ligand_smiles);
  }
  function formData() {
    const fd = new FormData();
    files().forEach((f) => fd.append("files", f, f.name));
    const recs = records();
    if (recs.length) fd.append("records", JSON.stringify(recs));
    return fd;
  }
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
      const near = el("td");
      (r.nearest_known || "").split(";").filter(Boolean).forEach((id, i) => {
        if (i) near.appendChild(document.createTextNode(", "));
        const a = el("a", id);
        a.href = "/ui/glasses#m-" + encodeURIComponent(id);
        near.appendChild(a);
      });
      tr.appendChild(near);
      const feats = tr.appendChild(el("td"));
      bars(feats, r[anchor.name + "_top_features"]);
      const notes = tr.appendChild(el("td", null, "long"));
      [r.agreement, r.flags ? "flagged: " + r.flags : "", r.error].filter(Boolean)
        .forEach((n) => notes.appendChild(el("div", n)));
    });
    table.hidden = false;
  }

  async function post(fd, format) {
    const res = await fetch("/predict" + (format ? "?format=" + format : ""),
      { method: "POST", body: fd });
    if (!res.ok) {
      let detail = res.status + " " + res.statusText;
      try { detail = (await res.json()).detail || detail; } catch (e) { /* not JSON */ }
      throw new Error(detail);
    }
    return res;
  }

  $("predict-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("error").hidden = true;
    $("busy").hidden = false;
    $("csv").disabled = true;
    try {
      lastForm = formData();
      const data = await (await post(lastForm)).json();
      if (data.note) { $("note").textContent = "note: " + data.note; $("note").hidden = false; }
      render(data);
      $("csv").disabled = false;
    } catch (err) {
      $("error").textContent = err.message;
      $("error").hidden = false;
    } finally {
      $("busy").hidden = true;
    }
  });

  $("csv").addEventListener("click", async () => {
    try {
      const blob = await (await post(lastForm, "csv")).blob();
      const a = el("a");
      a.href = URL.createObjectURL(blob);
      a.download = "predictions.csv";
      document.body.appendChild(a);
      a.click();
      a.remove();
    } catch (err) {
      $("error").textContent = err.message;
      $("error").hidden = false;
    }
  });
})();
