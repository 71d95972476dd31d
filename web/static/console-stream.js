// The console's stream page: follows GET /api/v1/stream (server-sent
// events, the signed-in user's scope) and puts each new or changed
// response at the top of the list. Without this script the list is what
// the page was given. Text is set with textContent only: nothing a
// customer wrote is ever parsed as HTML.
(function () {
  'use strict';
  var list = document.getElementById('stream-list');
  var status = document.getElementById('stream-status');
  var namesEl = document.getElementById('agent-names');
  if (!list || !status || !window.EventSource) { return; }
  var names = {};
  try { names = JSON.parse(namesEl ? namesEl.textContent : '{}') || {}; } catch (e) { names = {}; }

  function badge(text, cls) {
    var s = document.createElement('span');
    s.className = 'badge ' + cls;
    s.textContent = text;
    return s;
  }

  function item(r) {
    var li = document.createElement('li');
    li.dataset.id = r.id;
    li.className = 'new';
    var p = document.createElement('p');
    var score = document.createElement('strong');
    score.textContent = r.score + ' of 5';
    p.appendChild(score);
    var parts = [names[r.agent_id] || 'An agent', (r.created_at || '').slice(0, 10)];
    if (r.ticket_id) { parts.push('ticket ' + r.ticket_id); }
    p.appendChild(document.createTextNode(' · ' + parts.join(' · ')));
    var excluded = r.exclusion ? r.exclusion.reason : (r.likely_automated ? 'likely_automated' : '');
    if (excluded) {
      p.appendChild(document.createTextNode(' · '));
      p.appendChild(badge('Set aside: ' + excluded, 'bad'));
    }
    if (r.reward) {
      p.appendChild(document.createTextNode(' · '));
      p.appendChild(badge('Reward', 'ok'));
    }
    li.appendChild(p);
    if (r.comment) {
      var q = document.createElement('blockquote');
      q.textContent = r.comment;
      li.appendChild(q);
    }
    return li;
  }

  var source = new EventSource(list.dataset.src);
  source.addEventListener('open', function () {
    status.textContent = 'Live: new responses appear at the top of the list.';
  });
  source.addEventListener('error', function () {
    status.textContent = 'The live connection was lost; reconnecting…';
  });
  source.addEventListener('response', function (e) {
    var r;
    try { r = JSON.parse(e.data); } catch (err) { return; }
    if (!r || !r.id) { return; }
    var old = list.querySelector('li[data-id="' + (window.CSS && CSS.escape ? CSS.escape(r.id) : r.id) + '"]');
    if (old) { old.remove(); }
    var empty = list.querySelector('li.empty');
    if (empty) { empty.remove(); }
    list.insertBefore(item(r), list.firstChild);
    status.textContent = 'Live: a response from ' + (names[r.agent_id] || 'an agent') + ' arrived (' + r.score + ' of 5).';
  });
}());
