/* peerarmy: "Share your page" opens the phone's share sheet (the Web Share API) where the
   browser has one. The button stays hidden without it, or without this script: the copy
   button beside it (peerarmy.js) and the address box work everywhere. */
(function () {
  "use strict";

  function setUp(button) {
    if (button.dataset.ready || typeof navigator.share !== "function") return;
    button.dataset.ready = "1";
    button.hidden = false;
    button.addEventListener("click", function () {
      var shared = {
        title: button.dataset.shareTitle || document.title,
        url: button.dataset.shareUrl
      };
      if (button.dataset.shareText) shared.text = button.dataset.shareText;
      navigator.share(shared).catch(function () { /* closed by the person, or refused */ });
    });
  }

  function init(root) {
    root.querySelectorAll("button[data-share-url]").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
