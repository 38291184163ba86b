/* peerarmy: pick a point on a map (Leaflet) for a form's latitude and longitude.

   Enhances every [data-map-picker] box that holds two inputs marked data-coordinate="latitude"
   and "longitude" (web/includes/map_picker.html). The inputs stay the form's fields: a click on
   the map or a drag of the pin writes them, typing in them (or "use my location") moves the pin.
   Once a tile has loaded they are tucked in their <details>; when tiles cannot load (a tile
   error before any tile, no network, no Leaflet) the map goes away, the note says so in the
   page's language, and the form works as it does without this file: with an address only.
   Every word shown comes from the box's data attributes, translated by the template. */
(function () {
  "use strict";

  var DIGITS = 6; // as the database keeps them (about 10 cm)
  var ZOOM_ON_POINT = 15;

  function degrees(input, limit) {
    var text = (input.value || "").trim().replace(",", ".");
    if (!text) return null;
    var value = Number(text);
    return isFinite(value) && Math.abs(value) <= limit ? value : null;
  }

  function setUp(box) {
    if (box.dataset.mapReady) return;
    box.dataset.mapReady = "1";
    var lat = box.querySelector('input[data-coordinate="latitude"]');
    var lon = box.querySelector('input[data-coordinate="longitude"]');
    var area = box.querySelector("[data-map-area]");
    var canvas = box.querySelector("[data-map-canvas]");
    var note = box.querySelector("[data-map-note]");
    var coords = box.querySelector("[data-map-coords]");
    var clear = box.querySelector("[data-map-clear]");
    var status = document.getElementById(lat ? lat.id + "_status" : "");
    if (!lat || !lon || !area || !canvas) return;

    var map = null;
    var marker = null;
    var failed = false;

    function say(text) {
      if (status) status.textContent = text || "";
    }

    function unavailable() {
      if (failed) return;
      failed = true;
      area.hidden = true; // the map stays behind, hidden: removing it mid-event trips Leaflet
      if (coords) coords.open = true;
      if (note) {
        note.textContent = box.dataset.unavailable || "";
        note.classList.add("notice");
      }
    }

    function write(latlng) {
      var point = latlng.wrap();
      lat.value = point.lat.toFixed(DIGITS);
      lon.value = point.lng.toFixed(DIGITS);
      say((box.dataset.picked || "") + " " + lat.value + ", " + lon.value);
    }

    function place(latlng) {
      if (!map || failed) return;
      if (marker) {
        marker.setLatLng(latlng);
        return;
      }
      var label = box.dataset.markerLabel || "";
      marker = window.L.marker(latlng, {
        draggable: true,
        title: label,
        alt: label,
        icon: window.L.icon({
          iconUrl: box.dataset.icon,
          iconRetinaUrl: box.dataset.iconRetina,
          shadowUrl: box.dataset.iconShadow,
          iconSize: [25, 41],
          iconAnchor: [12, 41],
          shadowSize: [41, 41],
        }),
      }).addTo(map);
      marker.on("dragend", function () { write(marker.getLatLng()); });
    }

    function removeMarker() {
      if (map && marker && !failed) map.removeLayer(marker);
      marker = null;
    }

    // The boxes changed by hand or by "use my location": the pin follows.
    function read() {
      var a = degrees(lat, 90);
      var b = degrees(lon, 180);
      if (a === null || b === null) {
        if (!lat.value.trim() && !lon.value.trim()) removeMarker();
        return;
      }
      place([a, b]);
      if (map && !failed) map.setView([a, b], Math.max(map.getZoom(), ZOOM_ON_POINT));
    }

    if (clear) {
      clear.hidden = false;
      clear.addEventListener("click", function () {
        lat.value = "";
        lon.value = "";
        removeMarker();
        say(box.dataset.cleared);
      });
    }
    lat.addEventListener("change", read);
    lon.addEventListener("change", read);

    if (!window.L || !box.dataset.tileUrl || navigator.onLine === false) {
      unavailable();
      return;
    }
    area.hidden = false;
    var centre = (box.dataset.centre || "").split(",").map(Number);
    map = window.L.map(canvas, { scrollWheelZoom: false })
      .setView(centre, Number(box.dataset.zoom) || 5);
    var tiles = window.L.tileLayer(box.dataset.tileUrl, {
      maxZoom: 19,
      attribution: box.dataset.attribution || "",
    });
    var loaded = false;
    tiles.on("tileload", function () {
      if (loaded) return;
      loaded = true;
      // The map works: the boxes step aside, unless one of them has an error to show.
      if (coords && !coords.hasAttribute("data-keep-open")) coords.open = false;
    });
    tiles.on("tileerror", function () {
      // One tile missing among loaded ones is the server's hiccup; none at all, no map.
      if (!loaded) unavailable();
    });
    tiles.addTo(map);
    map.on("click", function (event) {
      place(event.latlng);
      write(event.latlng);
    });
    var a = degrees(lat, 90);
    var b = degrees(lon, 180);
    if (a !== null && b !== null) place([a, b]);
  }

  function init(root) {
    if (root.matches && root.matches("[data-map-picker]")) setUp(root);
    root.querySelectorAll("[data-map-picker]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  // Content swapped in by htmx gets the same treatment.
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
