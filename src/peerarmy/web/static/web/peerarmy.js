/* peerarmy: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // "Use my location": fill latitude and longitude from the browser's geolocation.
  function setUpGeolocation(button) {
    if (button.dataset.ready || !("geolocation" in navigator)) return;
    button.dataset.ready = "1";
    var lat = document.getElementById(button.dataset.lat);
    var lon = document.getElementById(button.dataset.lon);
    var status = document.getElementById(button.dataset.status);
    if (!lat || !lon) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      if (status) status.textContent = button.dataset.waiting || "";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lat.value = position.coords.latitude.toFixed(6);
          lon.value = position.coords.longitude.toFixed(6);
          if (status) status.textContent = button.dataset.done || "";
          button.disabled = false;
        },
        function () {
          if (status) status.textContent = button.dataset.failed || "";
          button.disabled = false;
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
      );
    });
  }

  function init(root) {
    root.querySelectorAll("[data-geolocate]").forEach(setUpGeolocation);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  // Content swapped in by htmx gets the same treatment.
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
