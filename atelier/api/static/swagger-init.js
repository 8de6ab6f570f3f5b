// Starts Swagger UI on /api/v1/docs with the settings the page carries in a JSON block
// (no inline script: the Content-Security-Policy allows scripts from 'self' only).
(function () {
  "use strict";
  var block = document.getElementById("swagger-settings");
  if (!block || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  var settings = JSON.parse(block.textContent);
  settings.dom_id = "#swagger-ui";
  settings.presets = [window.SwaggerUIBundle.presets.apis];
  window.ui = window.SwaggerUIBundle(settings);
})();
