/* Copy-to-clipboard for shortened values (the history's hashes; issue 12 item 6), loaded by the pages that
   show them (base.html's `scripts` block). A static file: the Content-Security-Policy allows no inline
   script. A button carries the full value in data-copy. */
(function () {
  "use strict";

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
    return Promise.resolve();
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) { return; }
    copy(button.getAttribute("data-copy")).then(function () {
      button.setAttribute("data-copied", "yes");
      var done = button.getAttribute("data-done");
      if (done) { button.setAttribute("aria-label", done); button.title = done; }
    });
  });
})();
