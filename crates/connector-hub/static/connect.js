// connector-hub: open a connect session's page from your own page, in a modal (an iframe over
// the page) or a popup (a new window), and hear what happened. Plain JavaScript, no dependencies.
//
//   <script src="https://hub.example.com/static/connect.js"></script>
//   <script>
//     ConnectorHub.open({ url: session.url, mode: "modal", onEvent: (event) => console.log(event) });
//   </script>
//
// `url` is the `url` of POST /api/v1/connect-sessions; a relative one is resolved against the hub
// this script was loaded from. `onEvent` receives the hub's events, each a plain object:
//   {type: "connector-hub:ready"}                                     a connect page loaded
//   {type: "connector-hub:linked", session_id, account_id, connector, owner}
//   {type: "connector-hub:closed", session_id}                        Cancel was pressed
//   {type: "connector-hub:error", session_id, code}                   expired, used, cancelled…
// The modal or popup closes itself after `linked` and `closed`. When the person closes it
// themselves (the modal's × or Escape, or the popup window), `onEvent` receives
// `{type: "connector-hub:closed", session_id: null}`; a blocked popup gives
// `{type: "connector-hub:error", session_id: null, code: "popup_blocked"}`.
//
// Only messages from the hub's own origin (the origin of `url`), from the frame or window this
// call opened, and of these four types with these members are passed on; anything else is
// ignored. For the hub to post to your page at all, its connect session must name your page's
// origin (`origin`, or a `return_url` on it) and the hub must list it in `frame_ancestors`.
(function () {
  "use strict";

  var FIELDS = {
    "connector-hub:ready": [],
    "connector-hub:linked": ["session_id", "account_id", "connector", "owner"],
    "connector-hub:closed": ["session_id"],
    "connector-hub:error": ["session_id", "code"]
  };
  var script = document.currentScript;
  var base = script && script.src ? script.src : window.location.href;

  // A copy of a hub event holding only its documented members, or null.
  function clean(data) {
    if (data === null || typeof data !== "object" || typeof data.type !== "string") return null;
    if (!Object.prototype.hasOwnProperty.call(FIELDS, data.type)) return null;
    var fields = FIELDS[data.type];
    var event = { type: data.type };
    for (var i = 0; i < fields.length; i++) {
      var value = data[fields[i]];
      if (typeof value !== "string") return null;
      event[fields[i]] = value;
    }
    return event;
  }

  function style(element, properties) {
    for (var name in properties) {
      if (Object.prototype.hasOwnProperty.call(properties, name)) {
        element.style.setProperty(name, properties[name]);
      }
    }
  }

  function open(options) {
    options = options || {};
    var url = new URL(String(options.url || ""), base);
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new Error("ConnectorHub.open: `url` must be a connect session's http(s) URL");
    }
    var mode = options.mode === undefined ? "modal" : options.mode;
    if (mode !== "modal" && mode !== "popup") {
      throw new Error('ConnectorHub.open: `mode` must be "modal" or "popup"');
    }
    var hubOrigin = url.origin;
    var onEvent = typeof options.onEvent === "function" ? options.onEvent : function () {};
    var overlay = null;
    var frame = null;
    var popup = null;
    var watch = null;
    var finished = false;

    function deliver(event) {
      try {
        onEvent(event);
      } catch (error) {
        setTimeout(function () {
          throw error;
        });
      }
    }

    function close() {
      if (finished) return;
      finished = true;
      window.removeEventListener("message", onMessage);
      document.removeEventListener("keydown", onKey);
      if (watch !== null) clearInterval(watch);
      if (overlay !== null && overlay.parentNode) overlay.parentNode.removeChild(overlay);
      if (popup !== null && !popup.closed) popup.close();
    }

    // The person closed the modal or the popup themselves.
    function dismissed() {
      if (finished) return;
      close();
      deliver({ type: "connector-hub:closed", session_id: null });
    }

    function onMessage(message) {
      if (finished || message.origin !== hubOrigin) return;
      var from = mode === "popup" ? popup : frame && frame.contentWindow;
      if (!from || message.source !== from) return;
      var event = clean(message.data);
      if (event === null) return;
      if (event.type === "connector-hub:linked" || event.type === "connector-hub:closed") close();
      deliver(event);
    }

    function onKey(event) {
      if (mode === "modal" && event.key === "Escape") dismissed();
    }

    window.addEventListener("message", onMessage);
    document.addEventListener("keydown", onKey);

    if (mode === "popup") {
      var width = 560;
      var height = 760;
      var x = Math.max(0, Math.round(window.screenX + (window.outerWidth - width) / 2));
      var y = Math.max(0, Math.round(window.screenY + (window.outerHeight - height) / 2));
      // A new window each time (no name), so two calls never share one.
      popup = window.open(
        url.href,
        "",
        "popup,width=" + width + ",height=" + height + ",left=" + x + ",top=" + y
      );
      if (!popup) {
        close();
        deliver({ type: "connector-hub:error", session_id: null, code: "popup_blocked" });
        return { close: close };
      }
      watch = setInterval(function () {
        if (popup.closed) dismissed();
      }, 500);
    } else {
      overlay = document.createElement("div");
      overlay.id = "connector-hub-modal";
      overlay.setAttribute("role", "dialog");
      overlay.setAttribute("aria-modal", "true");
      overlay.setAttribute("aria-label", "Connect an account");
      style(overlay, {
        position: "fixed", inset: "0", "z-index": "2147483000", display: "flex",
        "align-items": "center", "justify-content": "center", background: "rgba(16, 24, 40, 0.6)"
      });
      var box = document.createElement("div");
      style(box, {
        position: "relative", width: "min(560px, calc(100vw - 2rem))",
        height: "min(760px, calc(100vh - 2rem))", background: "#fff", "border-radius": "8px",
        overflow: "hidden", "box-shadow": "0 20px 50px rgba(0, 0, 0, 0.3)"
      });
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.id = "connector-hub-close";
      dismiss.setAttribute("aria-label", "Close");
      dismiss.textContent = "\u00d7";
      style(dismiss, {
        position: "absolute", top: "4px", right: "8px", border: "0", background: "transparent",
        "font-size": "24px", "line-height": "1", cursor: "pointer", color: "#667085"
      });
      dismiss.addEventListener("click", dismissed);
      frame = document.createElement("iframe");
      frame.id = "connector-hub-frame";
      frame.title = "Connect an account";
      frame.src = url.href;
      style(frame, { width: "100%", height: "100%", border: "0", display: "block" });
      box.appendChild(frame);
      box.appendChild(dismiss);
      overlay.appendChild(box);
      document.body.appendChild(overlay);
    }
    return { close: close };
  }

  window.ConnectorHub = { open: open };
})();
