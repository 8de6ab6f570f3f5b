// The diagnostic PDF's progress page: reload every few seconds while the document is being
// made (progressive enhancement: without script, the page has an "Actualiser" link).
(function () {
  "use strict";
  var box = document.getElementById("obs-pdf-progress");
  if (!box) return;
  var seconds = parseInt(box.getAttribute("data-refresh-seconds"), 10) || 3;
  window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();
