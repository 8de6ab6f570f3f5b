/* Atlas search page (plain ES2017, no build step, loaded with `defer`): filters apply as soon as
 * a box is ticked. The form stays a GET form with its "Filtrer" button (without JavaScript it is
 * the way to apply them); with JavaScript, ticking or unticking a box submits the form, a note
 * under the filters says so beforehand (WCAG 3.2.2), and the box keeps the focus after the
 * page has reloaded (its id is kept in sessionStorage for the next page only).
 */
(function () {
  "use strict";

  var KEY = "atelier.atlas.focus";

  function restoreFocus() {
    var id = null;
    try {
      id = window.sessionStorage.getItem(KEY);
      window.sessionStorage.removeItem(KEY);
    } catch (error) {
      return;
    }
    var box = id && document.getElementById(id);
    if (box) box.focus({ preventScroll: false });
  }

  function init(form) {
    if (form.atlasAutosubmit) return;
    form.atlasAutosubmit = true;
    var note = form.querySelector("[data-atlas-autosubmit-note]");
    if (note) note.hidden = false;
    form.addEventListener("change", function (event) {
      var box = event.target;
      if (!box || box.type !== "checkbox") return;
      try {
        if (box.id) window.sessionStorage.setItem(KEY, box.id);
      } catch (error) {
        /* private mode: the focus is simply not restored */
      }
      form.setAttribute("aria-busy", "true");
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    });
  }

  function start() {
    document.querySelectorAll("form[data-atlas-autosubmit]").forEach(init);
    restoreFocus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
