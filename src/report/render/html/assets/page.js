
(function () {
  var data = JSON.parse(document.getElementById('probes').textContent);
  var form = document.getElementById('filters');
  function checked(name) {
    var set = {};
    form.querySelectorAll('input[name="' + name + '"]').forEach(function (i) { if (i.checked) set[i.value] = true; });
    return set;
  }
  function apply() {
    var verdicts = checked('verdict'), tags = checked('tag');
    document.querySelectorAll('tbody[data-tag]').forEach(function (body) {
      body.classList.toggle('hidden', !tags[body.getAttribute('data-tag')]);
      body.querySelectorAll('tr:not(.tag)').forEach(function (row) {
        var shown = 0;
        row.querySelectorAll('td[data-verdict]').forEach(function (cell) {
          var on = !!verdicts[cell.getAttribute('data-verdict')];
          cell.classList.toggle('dim', !on);
          if (on) shown++;
        });
        row.classList.toggle('hidden', shown === 0);
      });
    });
  }
  form.addEventListener('change', apply);
  function add(parent, tag, text, cls) {
    var el = document.createElement(tag);
    if (text !== undefined && text !== null) el.textContent = String(text);
    if (cls) el.className = cls;
    parent.appendChild(el);
    return el;
  }
  function show(cell) {
    var p = data[+cell.getAttribute('data-i')];
    if (!p) return;
    document.querySelectorAll('.cell.selected').forEach(function (c) { c.classList.remove('selected'); });
    cell.classList.add('selected');
    var aside = document.getElementById('evidence');
    aside.textContent = '';
    add(aside, 'h2', p.endpoint + ' @ ' + p.api);
    var dl = add(aside, 'dl');
    function row(k, v) { if (v === null || v === undefined || v === '') return; add(dl, 'dt', k); add(dl, 'dd', v); }
    row('target', p.target);
    row('request', p.method + ' ' + p.request);
    row('status', p.status === null ? 'no answer' : p.status);
    row('verdict', p.verdict);
    row('reason', p.reason);
    row('first try', p.retried);
    row('time', p.ms + ' ms');
    if (!p.summary) row('stream', p.stream);
    if (p.summary) {
      // A hijacked stream's summary, field by field (runs without one keep the one-line `stream` above).
      add(aside, 'h3', 'Stream');
      var st = add(aside, 'table', undefined, 'stream');
      p.summary.forEach(function (f) { var r = add(st, 'tr'); add(r, 'td', f[0]); add(r, 'td', f[1]); });
    }
    if (p.headers.length) {
      add(aside, 'h3', 'Headers');
      var t = add(aside, 'table');
      p.headers.forEach(function (h) { var r = add(t, 'tr'); add(r, 'td', h[0]); add(r, 'td', h[1]); });
    }
    if (p.body !== null) {
      add(aside, 'h3', 'Body (' + p.body_len + ' bytes' + (p.body_cut ? ', excerpt' : '') + ')');
      add(aside, 'pre', p.body);
    }
  }
  function open(cell) {
    show(cell);
    if (history.replaceState) history.replaceState(null, '', '#probe-' + cell.getAttribute('data-i'));
  }
  document.querySelectorAll('td[data-i]').forEach(function (cell) {
    cell.addEventListener('click', function () { open(cell); });
    cell.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(cell); } });
  });
  apply();
  // A link ending in #probe-N opens that cell's evidence, so a report can point at one answer.
  var m = /^#probe-(\d+)$/.exec(location.hash);
  var linked = m && document.querySelector('td[data-i="' + m[1] + '"]');
  if (linked) show(linked);
})();
