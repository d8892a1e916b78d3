// Countdowns to contingency deadlines: <span data-deadline="ISO-8601">. Updated every 30 s.
(function () {
  function render() {
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = Math.floor((Date.parse(el.dataset.deadline) - Date.now()) / 1000);
      var over = left < 0;
      left = Math.abs(left);
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60);
      var text = h + " h " + String(m).padStart(2, "0") + " min";
      el.textContent = over ? (el.dataset.overdue || "vencido hace") + " " + text : (el.dataset.left || "quedan") + " " + text;
      el.classList.toggle("text-danger", over || left < 4 * 3600);
      el.classList.toggle("fw-bold", over);
    });
  }
  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSwap", render);
  setInterval(render, 30000);
})();
