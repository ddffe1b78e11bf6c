// Suggest page: a screen folder, or CIFs and typed records (inputs.js) -> POST /suggest ->
// the picks with their reasons; the lab template is POST /suggest?format=template.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const el = gfaInputs.el;
  const inputs = gfaInputs.setup();
  let lastForm = null;
  const fmt = (v, digits) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits));

  function formData() {
    const fd = $("folder").value ? new FormData() : inputs.formData();
    if ($("folder").value) fd.append("folder", $("folder").value);
    fd.append("budget", $("budget").value);
    fd.append("strategy", $("strategy").value);
    fd.append("include_known", $("include-known").checked ? "true" : "false");
    return fd;
  }

  function render(data) {
    const left = Object.entries(data.left_out).map(([why, n]) => n + " " + why).join("; ");
    $("summary").textContent = data.suggestions.length + " of " + data.n_candidates +
      " candidates (" + data.strategy + ")" + (left ? "; left out: " + left : "") +
      (data.run_id ? "; MLflow run " + data.run_id : "");
    $("summary").hidden = false;
    const table = $("suggestions");
    table.replaceChildren();
    const head = el("tr");
    ["#", "id", "P(melts before decomposing)", "bits", "in domain", "family", "nearest known",
      "why"].forEach((h) => head.appendChild(el("th", h)));
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    data.suggestions.forEach((r) => {
      const tr = body.appendChild(el("tr"));
      tr.dataset.id = r.id;
      tr.appendChild(el("td", r.rank, "num"));
      tr.appendChild(el("td", r.id));
      const p = el("td", fmt(r.p_meltable, 2), "num");
      p.dataset.col = "p_meltable";
      if (r.meltable_call) p.appendChild(el("span", "call: " + r.meltable_call, "interval"));
      tr.appendChild(p);
      const bits = el("td", fmt(r.information_bits, 2), "num");
      bits.dataset.col = "information_bits";
      tr.appendChild(bits);
      tr.appendChild(el("td", r.in_domain ? "yes" : "no", "domain"));
      const fam = el("td", r.family);
      fam.dataset.col = "family";
      tr.appendChild(fam);
      tr.appendChild(gfaInputs.nearestCell(r.nearest_known));
      tr.appendChild(el("td", r.reason, "long reason"));
    });
    table.hidden = false;
  }

  gfaInputs.wire("suggest-form", "template", async () => {
    lastForm = formData();
    render(await (await gfaInputs.post("/suggest", lastForm)).json());
  }, async () => gfaInputs.download(await gfaInputs.post("/suggest?format=template", lastForm),
    "lab_template.csv"));
})();
