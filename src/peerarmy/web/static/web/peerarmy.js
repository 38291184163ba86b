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
          // A map beside the boxes (map-picker.js) moves its pin there.
          lat.dispatchEvent(new Event("change", { bubbles: true }));
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

  // The console's tabs on a phone: folded behind a "Menu" button that names the current page.
  // Without this script they show as a grid of tiles.
  function setUpTabs(nav) {
    var toggle = nav.querySelector(".tabs-toggle");
    if (nav.dataset.ready || !toggle) return;
    nav.dataset.ready = "1";
    var current = nav.querySelector('.tabs-list [aria-current="page"]');
    var label = toggle.querySelector(".tabs-current");
    if (current && label) label.textContent = current.textContent.trim();
    toggle.hidden = false;
    nav.classList.add("is-collapsible");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("is-open", open);
    });
  }

  // A button that copies a text (a share link, a payment reference; `data-copy="#box"`: the
  // text of that box) and says so in its own words for a moment; where the clipboard is
  // refused, the text is offered to copy by hand. A button hidden until this script runs is
  // shown: without the script, the box can still be selected by hand.
  function setUpCopy(button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = button.dataset.copy;
      if (text.charAt(0) === "#") {
        var box = document.querySelector(text);
        text = box ? (box.value || box.textContent) : "";
      }
      var said = button.innerHTML;
      function done() {
        button.textContent = button.dataset.copied || "OK";
        setTimeout(function () { button.innerHTML = said; }, 2000);
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { window.prompt("", text); });
      } else {
        window.prompt("", text);
      }
    });
  }

  function init(root) {
    root.querySelectorAll("[data-geolocate]").forEach(setUpGeolocation);
    root.querySelectorAll("nav[data-collapsible]").forEach(setUpTabs);
    root.querySelectorAll("button[data-copy]").forEach(setUpCopy);
  }

  // The peer's app on a phone: the business's service worker keeps the pages they opened, and
  // the page says when it is showing them without a network.
  function setUpOffline() {
    var worker = document.querySelector('meta[name="peerarmy-worker"]');
    if (worker && "serviceWorker" in navigator) {
      navigator.serviceWorker.register(worker.content, { scope: worker.dataset.scope })
        .catch(function () { /* the site works without it */ });
    }
    var note = document.getElementById("offline-note");
    function show() { if (note) note.hidden = navigator.onLine; }
    window.addEventListener("online", show);
    window.addEventListener("offline", show);
    show();
    // Logging out leaves nothing of the peer's pages on the phone.
    document.querySelectorAll("form[data-forget-offline]").forEach(function (form) {
      form.addEventListener("submit", function () {
        if ("caches" in window) {
          caches.keys().then(function (keys) {
            keys.forEach(function (key) { if (key.indexOf("peerarmy-") === 0) caches.delete(key); });
          });
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); setUpOffline(); });
  // Content swapped in by htmx gets the same treatment.
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
