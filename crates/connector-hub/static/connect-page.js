// connector-hub, on its own connect pages: tells the page that embeds this one (an iframe) or
// opened it (a popup) what happened, then goes back to the application's return URL.
//
// The page renders one element, #connector-hub-event, with the event (JSON), the exact origin
// to post it to and, after Connect or Cancel, the URL to return to. The origin is the connect
// session's `origin`, else its `return_url`'s origin, both checked by the hub against its
// settings; a message goes to that origin only, never to a wildcard, and with no origin nothing
// is posted. No event carries a token, a key or a secret.
"use strict";
(function () {
  const element = document.getElementById("connector-hub-event");
  if (!element) return;

  // An exact origin, "https://host[:port]" as URL serializes it, or null.
  function exactOrigin(text) {
    if (typeof text !== "string" || text === "") return null;
    let url;
    try {
      url = new URL(text);
    } catch (_) {
      return null;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    return url.origin === text ? text : null;
  }

  let event = null;
  try {
    event = JSON.parse(element.dataset.event || "null");
  } catch (_) {
    event = null;
  }
  const origin = exactOrigin(element.dataset.targetOrigin);
  const target = window.parent !== window ? window.parent : window.opener;
  if (
    origin !== null &&
    target &&
    event !== null &&
    typeof event === "object" &&
    typeof event.type === "string" &&
    event.type.indexOf("connector-hub:") === 0
  ) {
    try {
      target.postMessage(event, origin);
    } catch (_) {
      // A closed opener: nothing to tell.
    }
  }

  const back = element.dataset.returnTo;
  if (back) {
    let url = null;
    try {
      url = new URL(back);
    } catch (_) {
      url = null;
    }
    if (url !== null && (url.protocol === "https:" || url.protocol === "http:")) {
      window.location.replace(url.href);
    }
  }
})();
