/* Projector: fetch the group's order every few seconds and redraw the list. Without JS
   there is a Refresh link. Stops after 3 hours, or when signed out (Refresh still works),
   so a forgotten projector does not keep a staff sign-in alive. */
(function () {
  "use strict";
  var root = document.querySelector("[data-projector]");
  if (!root || !window.fetch) { return; }
  function find(name) { return root.querySelector("[data-projector-" + name + "]"); }
  var seconds = parseInt(root.getAttribute("data-projector-seconds"), 10) || 5;
  var message = find("message"), list = find("list"), item = find("item"), auto = find("auto");
  var stopAt = Date.now() + 3 * 3600 * 1000, last = "";
  auto.hidden = false;

  function draw(data) {
    var seen = JSON.stringify(data);
    if (seen === last) { return; }
    last = seen;
    /* Only a changed message is announced (role=status). */
    if (message.textContent !== data.message) { message.textContent = data.message; }
    list.hidden = !data.shown;
    list.textContent = "";
    data.domains.forEach(function (domain) {
      var li = item.content.firstElementChild.cloneNode(true);
      function part(name) { return li.querySelector('[data-part="' + name + '"]'); }
      part("rank").textContent = domain.rank_text;
      part("picture").src = domain.picture;
      var name = part("name");
      name.textContent = domain.name;
      if (domain.lang) { name.lang = domain.lang; name.dir = domain.dir; }
      part("share").textContent = domain.percent_text;
      part("bar").setAttribute("width", domain.percent);
      list.appendChild(li);
    });
  }

  function poll() {
    if (Date.now() > stopAt) { auto.hidden = true; return; }
    fetch(root.getAttribute("data-projector"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
        return response.ok && json ? response.json() : null;
      })
      .then(function (data) {
        if (!data) { auto.hidden = true; return; }
        draw(data);
        window.setTimeout(poll, seconds * 1000);
      }, function () { window.setTimeout(poll, seconds * 1000); });
  }
  window.setTimeout(poll, seconds * 1000);
})();
