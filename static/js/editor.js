// The document editor's behaviour around htmx: the type-ahead searches as ARIA comboboxes, focus
// kept where the rep works across the editor's swaps, lines removed without losing the place, and
// changes read out through the page's live region (#editor-live, outside the swapped editor, so
// that screen readers hear its updates).
(function () {
  "use strict";

  let lastFocusId = null; // the editor field the rep was in, to come back to after a swap
  let lastSummary = null; // what the live region last said about the totals

  function announce(text) {
    const live = document.getElementById("editor-live");
    if (!live || !text) return;
    // A different text each time, or the same words would not be read again.
    live.textContent = live.textContent === text ? text + "\u00a0" : text;
  }

  // ------------------------------------------------------------------ combobox (type-ahead)

  function comboboxFor(list) {
    return document.querySelector('[role="combobox"][aria-controls="' + list.id + '"]');
  }

  function options(list) {
    return Array.from(list.querySelectorAll('[role="option"]:not([aria-disabled="true"])'));
  }

  function setActive(input, list, option) {
    list.querySelectorAll('[role="option"]').forEach(function (o) {
      o.setAttribute("aria-selected", o === option ? "true" : "false");
      o.classList.toggle("active", o === option);
    });
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function close(input) {
    const list = document.getElementById(input.getAttribute("aria-controls"));
    if (list) {
      list.innerHTML = "";
      list.hidden = true;
    }
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function opened(list) {
    const input = comboboxFor(list);
    if (!input) return;
    const all = list.querySelectorAll('[role="option"]');
    list.hidden = all.length === 0;
    input.setAttribute("aria-expanded", all.length ? "true" : "false");
    input.removeAttribute("aria-activedescendant");
    const status = document.getElementById(input.dataset.status);
    if (status) {
      const count = list.querySelector(".typeahead-count");
      const none = list.querySelector('[role="option"][aria-disabled="true"]');
      status.textContent = options(list).length ? (count ? count.textContent.trim() : "") : (none ? none.textContent.trim() : "");
    }
  }

  document.addEventListener("keydown", function (event) {
    const input = event.target;
    if (!(input instanceof HTMLElement) || input.getAttribute("role") !== "combobox") return;
    const list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) return;
    const items = options(list);
    const current = items.findIndex(function (o) { return o.id === input.getAttribute("aria-activedescendant"); });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!items.length) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = current < 0 ? (step > 0 ? 0 : items.length - 1) : (current + step + items.length) % items.length;
      setActive(input, list, items[next]);
    } else if (event.key === "Enter") {
      event.preventDefault(); // never the form's implicit submit (its first button discards the draft)
      const pick = current >= 0 ? items[current] : (items.length === 1 ? items[0] : null);
      if (pick) htmx.trigger(pick, "click");
    } else if (event.key === "Escape") {
      if (input.getAttribute("aria-expanded") === "true") {
        event.preventDefault();
        close(input);
      }
    }
  });

  // Enter in a field of the editor saves it; it never submits the form, whose first button (the
  // browser's default for an implicit submit) is «Descartar».
  document.addEventListener("keydown", function (event) {
    const el = event.target;
    if (event.key !== "Enter" || !(el instanceof HTMLInputElement) || el.getAttribute("role") === "combobox") return;
    const form = el.closest("#doc-form");
    if (!form) return;
    event.preventDefault();
    htmx.trigger(el, "change");
  });

  document.addEventListener("input", function (event) {
    const input = event.target;
    if (input instanceof HTMLElement && input.getAttribute("role") === "combobox") {
      input.removeAttribute("aria-activedescendant");
      if (!input.value.trim()) close(input);
    }
  });

  // ------------------------------------------------------------------ removing a line or a payment

  function renumberLines(table) {
    const label = table.dataset.removeLabel || "";
    table.querySelectorAll("tbody tr.line-row").forEach(function (row, i) {
      const n = i + 1;
      row.querySelectorAll("[id]").forEach(function (el) {
        el.id = el.id.replace(/^line-\d+-/, "line-" + n + "-").replace(/^amount-\d+$/, "amount-" + n);
      });
      const button = row.querySelector(".line-remove");
      const description = row.querySelector("input[name$=-description], input[name$=-numDocumento]");
      if (button) button.setAttribute("aria-label", label + " " + n + ": " + (description ? description.value : ""));
    });
  }

  function removeRow(button, rowSelector, fallbackIds) {
    const form = document.getElementById("doc-form");
    const row = button.closest(rowSelector);
    const rows = Array.from(document.querySelectorAll(rowSelector));
    const index = rows.indexOf(row);
    const buttonClass = button.classList.contains("line-remove") ? ".line-remove" : ".pay-remove";
    // A save already on its way answers for the rows before the removal: drop it.
    if (form) htmx.trigger(form, "htmx:abort");
    row.remove();
    const table = document.getElementById("lines");
    if (table && rowSelector === "tr.line-row") renumberLines(table);
    const left = Array.from(document.querySelectorAll(rowSelector));
    const next = left[Math.min(index, left.length - 1)];
    let target = next ? next.querySelector(buttonClass) : null;
    for (let i = 0; !target && i < fallbackIds.length; i++) target = document.getElementById(fallbackIds[i]);
    if (target) target.focus();
    if (form) htmx.trigger(form, "change");
  }

  document.addEventListener("click", function (event) {
    const line = event.target.closest && event.target.closest(".line-remove");
    if (line) {
      removeRow(line, "tr.line-row", ["product-q", "add-line"]);
      return;
    }
    const pay = event.target.closest && event.target.closest(".pay-remove");
    if (pay) removeRow(pay, ".pay-row", ["add-payment", "id_obs"]);
  });

  document.addEventListener("input", function (event) {
    const el = event.target;
    if (el instanceof HTMLInputElement && /-description$/.test(el.name) && el.closest("#lines")) {
      renumberLines(document.getElementById("lines"));
    }
  });

  // ------------------------------------------------------------------ focus and announcements after swaps

  document.addEventListener("focusin", function (event) {
    const el = event.target;
    if (el instanceof HTMLElement && el.id && el.closest("#editor")) lastFocusId = el.id;
  });

  function summaryText() {
    const summary = document.getElementById("doc-summary");
    if (!summary) return "";
    const parts = [];
    summary.querySelectorAll("[data-announce]").forEach(function (el) { parts.push(el.textContent.trim()); });
    const total = document.getElementById("total-pagar");
    if (total) {
      const row = total.closest("tr");
      const head = row ? row.querySelector("th") : null;
      parts.push((head ? head.textContent.trim() + " " : "") + total.textContent.trim());
    }
    return parts.join(". ");
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    const target = event.detail && event.detail.target;
    if (target && target.classList && target.classList.contains("typeahead-results")) {
      opened(target);
      return;
    }
    const editor = document.getElementById("editor");
    if (!editor) return;
    let focused = false;
    if (editor.dataset.focus) {
      const el = document.getElementById(editor.dataset.focus);
      delete editor.dataset.focus;
      if (el) {
        el.focus();
        if (el instanceof HTMLInputElement && el.type === "text") el.select();
        focused = true;
      }
    }
    const structural = target && target.id === "editor";
    if (!focused && structural && (!document.activeElement || document.activeElement === document.body) && lastFocusId) {
      const el = document.getElementById(lastFocusId);
      if (el) el.focus();
    }
    const said = [];
    if (editor.dataset.announce) {
      said.push(editor.dataset.announce);
      delete editor.dataset.announce;
    }
    const summary = summaryText();
    if (summary && summary !== lastSummary) {
      said.push(summary);
      lastSummary = summary;
    }
    if (said.length) announce(said.join(". "));
  });

  document.addEventListener("DOMContentLoaded", function () {
    lastSummary = summaryText();
    const editor = document.getElementById("editor");
    if (editor) {
      delete editor.dataset.focus;
      delete editor.dataset.announce;
    }
  });
})();
