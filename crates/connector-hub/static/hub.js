// connector-hub: progressive enhancements only; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Copy a shown key to the clipboard.
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source) return;
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        button.textContent = "Copied";
      } catch (_) {
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        button.textContent = "Press Ctrl+C to copy";
      }
    });
  }
  // Download a shown key as a text file, built in the page (nothing is fetched).
  for (const link of document.querySelectorAll("[data-download]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const source = document.getElementById(link.dataset.download);
      if (!source) return;
      const blob = new Blob([source.textContent.trim() + "\n"], { type: "text/plain" });
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = link.dataset.filename || "hub-key.txt";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    });
  }
  // Ask before destructive actions.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
