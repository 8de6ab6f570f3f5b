// "Me localiser" on the Atlas search: an optional enhancement of the "Autour d'un lieu" form.
// Without JavaScript (or without geolocation) the form works with a commune; with it, a button
// fills the hidden lat/lon fields with the browser's position and submits the form.
(function () {
  "use strict";
  var fieldset = document.getElementById("atlas-around");
  if (!fieldset || !("geolocation" in navigator)) {
    return;
  }
  var form = document.getElementById("atlas-form");
  var status = document.getElementById("atlas-locate-status");
  var button = document.createElement("button");
  button.type = "button";
  button.className = "around-locate";
  button.textContent = fieldset.dataset.locate;
  button.addEventListener("click", function () {
    status.textContent = fieldset.dataset.locating;
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.lat.value = position.coords.latitude.toFixed(5);
        form.elements.lon.value = position.coords.longitude.toFixed(5);
        form.elements.autour.value = "";
        form.submit();
      },
      function () {
        status.textContent = fieldset.dataset.failed;
        button.disabled = false;
      },
      { timeout: 15000, maximumAge: 600000 }
    );
  });
  var submit = fieldset.querySelector("button[type=submit]");
  fieldset.insertBefore(button, submit);
})();
