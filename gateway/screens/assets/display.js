/*
 * display.js: the waiting-room display of passport-screens. It draws the
 * board of its office (data-office on <body>) from the event stream
 * /display/{office}/events: the whole board at every connection and at
 * every change. The browser reconnects by itself; when the server answered
 * with an error the stream is closed and this script opens it again.
 * The spoken call (speechSynthesis, Indonesian) is off until switched on;
 * the choice is kept in localStorage.
 */
(function () {
  'use strict';
  var body = document.body;
  var office = body.getAttribute('data-office');
  var source = null;
  var reopen = null;
  var renders = 0;
  var seen = null;
  var speech = false;
  try { speech = window.localStorage.getItem('passport-speech') === 'on'; } catch (e) { speech = false; }

  function el(id) { return document.getElementById(id); }
  function node(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function both(id, en) {
    var e = node('span', null, id + ' ');
    var s = node('span', 'en', en);
    s.setAttribute('lang', 'en');
    e.appendChild(s);
    return e;
  }
  function clear(e) { while (e.firstChild) { e.removeChild(e.firstChild); } }

  function state(s) {
    var st = el('status');
    body.setAttribute('data-state', s);
    clear(st);
    if (s === 'live') { st.appendChild(both('● Langsung', 'Live')); }
    else { st.appendChild(both('○ Menyambung ulang…', 'Reconnecting…')); }
  }

  function spell(ticket) {
    return ticket.replace('-', ', ').split('').join(' ').replace(/ ,/g, ',');
  }
  function announce(board) {
    var now = {};
    board.calling.forEach(function (c) { now[c.ticket + '#' + c.calls] = c; });
    if (seen !== null && speech && window.speechSynthesis) {
      board.calling.slice().reverse().forEach(function (c) {
        if (!seen[c.ticket + '#' + c.calls] && c.status === 'called') {
          var u = new window.SpeechSynthesisUtterance('Nomor antrean ' + spell(c.ticket) +
            ', silakan ke ' + c.counter.toLowerCase());
          u.lang = 'id-ID';
          window.speechSynthesis.speak(u);
        }
      });
    }
    seen = now;
  }

  function render(board) {
    var now = el('now');
    var lanes = el('lanes');
    var recent = el('recent');
    el('clock').textContent = board.time;
    el('date').textContent = board.date;
    clear(now);
    if (board.calling.length === 0) {
      now.appendChild(node('p', 'idle')).appendChild(both('Belum ada panggilan', 'No calls yet'));
    }
    board.calling.forEach(function (c, i) {
      var card = node('div', i === 0 ? 'call newest' : 'call');
      card.setAttribute('data-ticket', c.ticket);
      card.setAttribute('data-status', c.status);
      card.appendChild(node('span', 'ticket', c.ticket));
      card.appendChild(node('span', 'arrow', '→'));
      card.appendChild(node('span', 'counter', c.counter));
      if (c.status === 'serving') { card.appendChild(node('span', 'tag')).appendChild(both('dilayani', 'serving')); }
      now.appendChild(card);
    });
    clear(lanes);
    board.lanes.forEach(function (l) {
      var card = node('div', 'lane');
      card.setAttribute('data-lane', l.lane);
      card.appendChild(node('span', 'prefix', l.prefix));
      card.appendChild(node('span', 'name')).appendChild(both(l.name_id, l.name_en));
      card.appendChild(node('span', 'waiting', l.waiting));
      var next = node('span', 'next');
      next.appendChild(both('berikut', 'next'));
      next.appendChild(node('b', null, l.next || '–'));
      card.appendChild(next);
      lanes.appendChild(card);
    });
    clear(recent);
    board.served.forEach(function (s) {
      var t = node('span', 'done');
      t.setAttribute('data-ticket', s.ticket);
      t.appendChild(node('b', null, s.ticket));
      t.appendChild(node('span', null, s.counter));
      recent.appendChild(t);
    });
    board.missed.forEach(function (code) {
      var t = node('span', 'missed');
      t.setAttribute('data-ticket', code);
      t.appendChild(node('b', null, code));
      t.appendChild(both('tidak hadir', 'missed'));
      recent.appendChild(t);
    });
    renders += 1;
    body.setAttribute('data-renders', String(renders));
    announce(board);
  }

  function connect() {
    reopen = null;
    source = new window.EventSource('/display/' + encodeURIComponent(office) + '/events');
    source.addEventListener('open', function () { state('live'); });
    source.addEventListener('board', function (ev) {
      state('live');
      try { render(JSON.parse(ev.data)); } catch (e) { /* a damaged event: wait for the next */ }
    });
    source.addEventListener('error', function () {
      state('reconnecting');
      if (source.readyState === window.EventSource.CLOSED && reopen === null) {
        reopen = window.setTimeout(connect, 3000);
      }
    });
  }

  function showSpeech() {
    var b = el('speech');
    b.setAttribute('aria-pressed', speech ? 'true' : 'false');
    clear(b);
    b.appendChild(both(speech ? 'Suara: nyala' : 'Suara: mati', speech ? 'Sound: on' : 'Sound: off'));
  }
  el('speech').addEventListener('click', function () {
    speech = !speech;
    try { window.localStorage.setItem('passport-speech', speech ? 'on' : 'off'); } catch (e) { /* private mode */ }
    if (!speech && window.speechSynthesis) { window.speechSynthesis.cancel(); }
    showSpeech();
  });
  showSpeech();
  connect();
}());
