/* peerarmy: web push on this device, from the peer's notification settings page.
   Subscribes through the business's service worker (registered by peerarmy.js) with the
   installation's VAPID key and posts the subscription to the page's address; turning it off
   unsubscribes and posts the endpoint. Without this file the rest of the page still works. */
(function () {
  "use strict";

  var panel = document.getElementById("push-panel");
  if (!panel || !panel.dataset.key) return;
  var status = document.getElementById("push-status");
  var enable = document.getElementById("push-enable");
  var disable = document.getElementById("push-disable");

  function say(text) { if (status) status.textContent = text || ""; }

  function visible(button, shown) {
    // the attribute for assistive technology, the style for the stylesheet's .button
    button.hidden = !shown;
    button.style.display = shown ? "" : "none";
  }

  function show(subscribed) {
    visible(enable, !subscribed);
    visible(disable, subscribed);
    enable.disabled = disable.disabled = false;
    say(subscribed ? panel.dataset.on : panel.dataset.off);
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": panel.dataset.csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  var supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  if (!supported) { say(panel.dataset.unsupported); return; }
  if (Notification.permission === "denied") { say(panel.dataset.blocked); return; }

  function registration() { return navigator.serviceWorker.ready; }

  function turnOn() {
    enable.disabled = true;
    say(panel.dataset.working);
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        enable.disabled = false;
        say(permission === "denied" ? panel.dataset.blocked : panel.dataset.off);
        return null;
      }
      return registration().then(function (reg) {
        // A subscription made with an older key cannot be reused: start afresh.
        return reg.pushManager.getSubscription().then(function (old) {
          return old ? old.unsubscribe() : true;
        }).then(function () {
          return reg.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: keyBytes(panel.dataset.key)
          });
        });
      }).then(function (subscription) {
        return post(panel.dataset.subscribe, subscription.toJSON());
      }).then(function () { show(true); });
    }).catch(function () { enable.disabled = false; say(panel.dataset.failed); });
  }

  function turnOff() {
    disable.disabled = true;
    say(panel.dataset.working);
    registration().then(function (reg) {
      return reg.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return null;
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return post(panel.dataset.unsubscribe, { endpoint: endpoint });
      });
    }).then(function () { show(false); })
      .catch(function () { disable.disabled = false; say(panel.dataset.failed); });
  }

  enable.addEventListener("click", turnOn);
  disable.addEventListener("click", turnOff);
  registration().then(function (reg) {
    return reg.pushManager.getSubscription();
  }).then(function (subscription) { show(Boolean(subscription)); })
    .catch(function () { say(panel.dataset.failed); });
})();
