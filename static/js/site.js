// Behaviour that used to sit in onchange/onclick attributes: the Content-Security-Policy runs
// scripts from our static files only. Delegated from the document, so htmx-swapped parts work too.
document.addEventListener("change", function (event) {
  var field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.submit();
});
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) window.print();
});
