// Predict and Suggest pages: CIFs (picked or dropped) and typed records -> one FormData.
"use strict";
window.gfaInputs = (function () {
  const $ = (id) => document.getElementById(id);

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  async function post(url, body) {
    const res = await fetch(url, { method: "POST", body: body });
    if (!res.ok) {
      let detail = res.status + " " + res.statusText;
      try { detail = (await res.json()).detail || detail; } catch (e) { /* not JSON */ }
      throw new Error(detail);
    }
    return res;
  }

  async function download(res, name) {
    const a = el("a");
    a.href = URL.createObjectURL(await res.blob());
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  // wires #files, #drop, #file-list, #records and #add-record of the page
  function setup() {
    let dropped = [];
    const files = () => [...$("files").files, ...dropped];
    function listFiles() {
      $("file-list").replaceChildren(...files().map((f) => el("li", f.name + " (" + f.size + " bytes)")));
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
    return { formData: formData };
  }

  // a table cell listing a row's nearest known materials, each linked to its Known glasses row
  function nearestCell(ids) {
    const td = el("td");
    (ids || "").split(";").filter(Boolean).forEach((id, i) => {
      if (i) td.appendChild(document.createTextNode(", "));
      const a = el("a", id);
      a.href = "/ui/glasses#m-" + encodeURIComponent(id);
      td.appendChild(a);
    });
    return td;
  }

  // a page's form and its download button, with the #busy / #error states both pages share:
  // onSubmit posts and renders, onDownload fetches the file of the last answer
  function wire(form, button, onSubmit, onDownload) {
    const fail = (err) => { $("error").textContent = err.message; $("error").hidden = false; };
    $(form).addEventListener("submit", async (e) => {
      e.preventDefault();
      $("error").hidden = true;
      $("busy").hidden = false;
      $(button).disabled = true;
      try {
        await onSubmit();
        $(button).disabled = false;
      } catch (err) {
        fail(err);
      } finally {
        $("busy").hidden = true;
      }
    });
    $(button).addEventListener("click", async () => {
      try { await onDownload(); } catch (err) { fail(err); }
    });
  }

  return { el: el, post: post, download: download, setup: setup, wire: wire,
           nearestCell: nearestCell };
})();
