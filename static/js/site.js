// Behaviour that used to sit in onchange/onclick attributes: the Content-Security-Policy runs
// scripts from our static files only. Delegated from the document, so htmx-swapped parts work too.
document.addEventListener("change", function (event) {
  var field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.submit();
});
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});

// A table wider than the screen scrolls sideways (phones): keyboard users must be able to reach
// and scroll it, so a scrolling table without anything focusable inside becomes a tab stop
// (WCAG 2.1.1; axe-core's scrollable-region-focusable). Checked again when the window resizes.
function focusableScrollers() {
  document.querySelectorAll("main table, .table-wrap").forEach(function (el) {
    var scrolls = el.scrollWidth > el.clientWidth + 1;
    if (scrolls && !el.hasAttribute("tabindex")) {
      el.setAttribute("tabindex", "0");
      el.dataset.scrollStop = "1";
    } else if (!scrolls && el.dataset.scrollStop) {
      el.removeAttribute("tabindex");
      delete el.dataset.scrollStop;
    }
  });
}
document.addEventListener("DOMContentLoaded", focusableScrollers);
window.addEventListener("resize", focusableScrollers);
document.addEventListener("htmx:afterSwap", focusableScrollers);
