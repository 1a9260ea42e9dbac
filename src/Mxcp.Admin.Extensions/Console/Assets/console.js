// Mxcp operator console: the few things that need a script. Every page works without it.
(function () {
  "use strict";

  // The live event stream (Server-Sent Events from the console's own origin).
  var list = document.getElementById("events");
  if (list && window.EventSource) {
    var state = document.getElementById("events-state");
    var source = new EventSource(list.getAttribute("data-stream"));
    var names = ["reload.started", "reload.completed", "endpoints.changed", "activity.tool_call.started",
      "activity.tool_call.completed", "activity.policy_decision", "session.opened", "session.closed"];
    var add = function (event) {
      var item = document.createElement("li");
      var time = document.createElement("time");
      var name = document.createElement("span");
      var data = document.createElement("code");
      var timestamp = "";
      try { timestamp = JSON.parse(event.data).timestamp || ""; } catch (e) { timestamp = ""; }
      time.dateTime = timestamp;
      time.textContent = timestamp.replace("T", " ");
      name.className = "name";
      name.textContent = event.type;
      data.textContent = event.data;
      item.setAttribute("data-event", event.type);
      item.append(time, name, data);
      list.insertBefore(item, list.firstChild);
      while (list.children.length > 200) { list.removeChild(list.lastChild); }
    };
    names.forEach(function (n) { source.addEventListener(n, add); });
    source.addEventListener("ping", function () { state.textContent = "Connected; waiting for events."; });
    source.onopen = function () { state.textContent = "Connected; waiting for events."; };
    source.onerror = function () { state.textContent = "Disconnected; retrying…"; };
  }

  // Pages marked data-refresh reload their content every few seconds while visible and while no form is being used.
  var main = document.querySelector("main[data-refresh]");
  if (main && window.fetch && window.DOMParser) {
    var seconds = parseInt(main.getAttribute("data-refresh"), 10) || 5;
    setInterval(function () {
      if (document.hidden) { return; }
      var active = document.activeElement;
      if (active && active.closest && active.closest("form, details[open]")) { return; }
      if (main.querySelector("details[open]")) { return; }
      fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (text) {
          if (!text) { return; }
          var fresh = new DOMParser().parseFromString(text, "text/html").querySelector("[data-live]");
          var current = main.querySelector("[data-live]");
          if (fresh && current) { current.replaceWith(fresh); }
        })
        .catch(function () { /* the next tick tries again */ });
    }, seconds * 1000);
  }
})();
