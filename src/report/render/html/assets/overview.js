
(function () {
  var select = document.getElementById('daemon');
  var runs = document.querySelectorAll('main > section.run');
  if (!select || !runs.length) return;
  function pick(i) {
    runs.forEach(function (s, j) { s.hidden = j !== i; });
    select.value = String(i);
    document.querySelectorAll('.sbs [data-run]').forEach(function (c) {
      c.classList.toggle('picked', +c.getAttribute('data-run') === i);
    });
  }
  select.addEventListener('change', function () { pick(+select.value); });
  document.querySelectorAll('.sbs [data-run]').forEach(function (c) {
    function go() { pick(+c.getAttribute('data-run')); runs[+c.getAttribute('data-run')].scrollIntoView(); }
    c.addEventListener('click', go);
    c.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); } });
  });
  var form = document.getElementById('filters');
  function tags() {
    var on = {};
    form.querySelectorAll('input[name="tag"]').forEach(function (i) { if (i.checked) on[i.value] = true; });
    document.querySelectorAll('tbody[data-overview-tag]').forEach(function (b) {
      b.classList.toggle('hidden', !on[b.getAttribute('data-overview-tag')]);
    });
  }
  form.addEventListener('change', tags);
  // A link to one answer (#probe-N) shows the heat map that holds it.
  var m = /^#probe-(\d+)$/.exec(location.hash);
  var linked = m && document.querySelector('td[data-i="' + m[1] + '"]');
  var start = 0;
  runs.forEach(function (s, j) { if (linked && s.contains(linked)) start = j; });
  pick(start);
})();
