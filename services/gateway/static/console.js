// Strongroom console: comforts on top of pages that work without script. No page needs
// this file to read or to submit a form.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Copy buttons: shown only when there is script to run them.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    if (!field || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        button.textContent = "Copied";
      } catch (_) {
        field.select();
        button.textContent = "Press Ctrl+C to copy";
      }
    });
  }
  // A revealed password is hidden (and cleared) after the configured number of seconds.
  for (const box of document.querySelectorAll("[data-hide-after]")) {
    const seconds = Number(box.dataset.hideAfter);
    if (!(seconds > 0)) continue;
    setTimeout(() => {
      const field = box.querySelector(".revealed");
      if (field) field.value = "";
      box.classList.add("hidden");
      const hint = box.querySelector(".hint");
      if (hint) hint.textContent = "Hidden again. Reveal it again to read it.";
    }, seconds * 1000);
  }
  // A running job's progress is fetched again each second and shown in place, until the
  // job ends; without script, the page's link shows the progress now.
  const live = document.querySelector("[data-live='running']");
  if (live && window.fetch && window.DOMParser) {
    const update = async () => {
      try {
        const reply = await fetch(window.location.href, { credentials: "same-origin" });
        if (!reply.ok) return;
        const page = new DOMParser().parseFromString(await reply.text(), "text/html");
        const fresh = page.getElementById(live.id);
        if (!fresh) return;
        live.innerHTML = fresh.innerHTML;
        live.dataset.live = fresh.dataset.live;
      } catch (_) {
        // A failed poll is tried again.
      }
      if (live.dataset.live === "running") setTimeout(update, 1000);
    };
    setTimeout(update, 1000);
  }
  // A banner with a button (the privacy notice) goes once its button is pressed.
  for (const banner of document.querySelectorAll("[data-dismissable]")) {
    const button = banner.querySelector("button.dismiss");
    if (!button) continue;
    button.hidden = false;
    button.addEventListener("click", () => banner.remove());
  }
  // Forms marked for confirmation ask before they go.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
