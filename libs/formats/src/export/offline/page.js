"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const params = JSON.parse($("vault-parameters").textContent);
  const sealed = JSON.parse($("vault-data").textContent);
  const form = $("unlock");
  const input = $("passphrase");
  const button = $("open");
  const status = $("status");
  const vault = $("vault");
  const search = $("search");
  const body = $("entries-body");
  const count = $("count");
  let rows = [];

  async function decrypt(passphrase) {
    if (params.kdf !== "PBKDF2-HMAC-SHA256" || params.cipher !== "AES-256-GCM") {
      throw new Error("unsupported parameters");
    }
    const material = await crypto.subtle.importKey(
      "raw", new TextEncoder().encode(passphrase), "PBKDF2", false, ["deriveKey"]);
    const key = await crypto.subtle.deriveKey(
      { name: "PBKDF2", hash: "SHA-256", salt: bytes(params.salt), iterations: params.iterations },
      material, { name: "AES-GCM", length: 256 }, false, ["decrypt"]);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes(params.nonce), tagLength: params.tag_bits },
      key, bytes(sealed.ciphertext));
    return JSON.parse(new TextDecoder().decode(plain));
  }

  // Data only ever reaches the page as text nodes.
  function cell(tr, text, name) {
    const td = document.createElement("td");
    td.className = name;
    td.textContent = text;
    tr.appendChild(td);
  }

  function render(entries) {
    body.replaceChildren();
    rows = entries.map((e) => {
      const tr = document.createElement("tr");
      const details = [
        e.department && "Department: " + e.department,
        e.location && "Location: " + e.location,
        e.description && "Description: " + e.description,
        ...e.fields.map((f) => f.name + ": " + f.value),
      ].filter(Boolean);
      const notes = [e.account_notes, e.resource_notes].filter(Boolean);
      cell(tr, e.resource, "resource");
      cell(tr, e.type, "type");
      cell(tr, e.host, "host");
      cell(tr, e.url, "url");
      cell(tr, e.username, "username");
      cell(tr, e.password, "password");
      cell(tr, notes.join("\n"), "notes");
      cell(tr, details.join("\n"), "details");
      cell(tr, e.group.join(" / "), "group");
      body.appendChild(tr);
      const haystack = [e.resource, e.type, e.host, e.url, e.username, ...notes, ...details,
        e.group.join("/")].join("\n").toLowerCase();
      return { tr, haystack };
    });
    filter();
  }

  function filter() {
    const query = search.value.trim().toLowerCase();
    let shown = 0;
    for (const row of rows) {
      const hit = query === "" || row.haystack.includes(query);
      row.tr.hidden = !hit;
      if (hit) shown += 1;
    }
    count.textContent = shown + " of " + rows.length + " entries";
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.textContent = "Opening\u2026";
    try {
      const data = await decrypt(input.value);
      input.value = "";
      form.hidden = true;
      status.textContent = "";
      render(data.entries);
      vault.hidden = false;
      search.focus();
    } catch (error) {
      body.replaceChildren();
      rows = [];
      vault.hidden = true;
      status.textContent = "wrong passphrase";
    } finally {
      button.disabled = false;
    }
  });
  search.addEventListener("input", filter);
})();
