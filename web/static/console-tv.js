// The leaderboard's TV mode: reads the page again every data-refresh
// seconds and puts its new board in place of the old one, so that a wall
// screen stays current without reloading (no flicker, nothing moves a
// reader). Without this script a meta refresh reloads the page instead.
(function () {
  'use strict';
  var seconds = parseInt(document.body.dataset.refresh, 10);
  if (!(seconds > 0) || !window.fetch || !window.DOMParser) { return; }
  function update() {
    fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store' }).then(function (res) {
      if (res.redirected || !res.ok) {
        // Signed out (the session ended) or an error: show what the
        // server says, as a reload would.
        window.location.reload();
        return null;
      }
      return res.text();
    }).then(function (html) {
      if (html === null) { return; }
      var next = new DOMParser().parseFromString(html, 'text/html').getElementById('main');
      var main = document.getElementById('main');
      if (next && main) { main.replaceChildren.apply(main, Array.prototype.slice.call(next.childNodes)); }
    }).catch(function () { /* the network is away: try again next time */ });
  }
  window.setInterval(update, seconds * 1000);
}());
