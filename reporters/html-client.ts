/**
 * The script of the HTML report (`index.html`), inlined into the page by `renderHtml` and
 * pinned there by its SHA-256 hash in the Content-Security-Policy.
 *
 * Plain ES2017 for any current browser, kept as a string (`String.raw`, so it reads as the
 * JavaScript it is: no backticks and no `${` inside). It reads the compact scenario index
 * `#paritykit-data` once, renders the list lazily (200 rows, then 500 more whenever the end of
 * the list scrolls into view), and parses a scenario's details (`#pk-d-<n>`, an inert
 * `<script type="application/json">` block) only when its row is opened or a search needs its
 * diff text.
 *
 * Safety: every node is built with `document.createElement` + `textContent`; no `innerHTML`,
 * no `eval`, no `setAttribute` with content from the report. The only URLs it writes are
 * `#suite/scenario` fragments built with `encodeURIComponent`, and `data:image/png;base64,`
 * sources whose payload is checked against the base64 alphabet.
 *
 * Page contract (ids the server markup provides): `list`, `status`, `more`, `search`,
 * `f-suite`, `f-channel`, `f-tag`, `input[data-verdict]` (with a `.count` sibling),
 * `button[data-view]` (`unified` | `split`).
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var FIRST = 200;
  var PAGE = 500;
  var VIEW_KEY = 'paritykit.view';
  var data = JSON.parse(byId('paritykit-data').textContent);
  var all = data.scenarios;
  var list = byId('list');
  var status = byId('status');
  var more = byId('more');
  var search = byId('search');
  var fSuite = byId('f-suite');
  var fChannel = byId('f-channel');
  var fTag = byId('f-tag');
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[data-verdict]'));
  var viewButtons = Array.prototype.slice.call(document.querySelectorAll('button[data-view]'));
  var matches = [];
  var shown = 0;
  var cur = -1;
  var timer = null;
  var rowOf = new Map();
  var scenarioOf = new WeakMap();
  var ROW_KIND = { missing: 'only the legacy has this row', extra: 'only the candidate has this row', changed: 'changed', order: 'order differs' };
  var CHANGE_CLASS = { added: 'add', removed: 'del', changed: 'chg', type: 'chg', missing: 'del', extra: 'add', order: 'chg' };
  var MARK = { added: '+', removed: '\u2212', changed: '~' };

  function byId(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function dec(part) {
    try { return decodeURIComponent(part); } catch (e) { return part; }
  }

  all.forEach(function (s, i) {
    s.i = i;
    s.key = encodeURIComponent(data.suites[s.s]) + '/' + encodeURIComponent(s.id);
    s.hay = (data.suites[s.s] + ' ' + s.id + ' ' + s.tags.join(' ') + (s.sum ? ' ' + s.sum : '')).toLowerCase();
  });

  // ------------------------------------------------------------------ details, parsed on demand
  function details(s) {
    if (s.x === undefined) return null;
    if (!s.dd) s.dd = JSON.parse(byId('pk-d-' + s.x).textContent);
    return s.dd;
  }

  function collect(value, out) {
    if (typeof value === 'string') out.push(value);
    else if (value && typeof value === 'object') {
      for (var k in value) if (Object.prototype.hasOwnProperty.call(value, k)) collect(value[k], out);
    } else if (typeof value === 'number') out.push(String(value));
    return out;
  }

  function detailHay(s) {
    if (s.dh === undefined) s.dh = s.x === undefined ? '' : collect(details(s), []).join('\n').toLowerCase();
    return s.dh;
  }

  // ------------------------------------------------------------------ filtering
  function apply() {
    var on = {};
    boxes.forEach(function (box) { on[box.getAttribute('data-verdict')] = box.checked; });
    var suite = fSuite ? fSuite.value : '';
    var channel = fChannel ? fChannel.value : '';
    var tag = fTag && fTag.value !== '' ? data.tags[Number(fTag.value)] : null;
    var terms = search.value.toLowerCase().split(/\s+/).filter(function (t) { return t !== ''; });
    var counts = {};
    matches = [];
    for (var i = 0; i < all.length; i++) {
      var s = all[i];
      if (suite !== '' && String(s.s) !== suite) continue;
      if (channel !== '' && (!s.ch || s.ch.indexOf(channel) === -1)) continue;
      if (tag !== null && s.tags.indexOf(tag) === -1) continue;
      var ok = true;
      for (var j = 0; j < terms.length && ok; j++) {
        if (s.hay.indexOf(terms[j]) === -1 && detailHay(s).indexOf(terms[j]) === -1) ok = false;
      }
      if (!ok) continue;
      counts[s.v] = (counts[s.v] || 0) + 1;
      if (on[s.v]) matches.push(s);
    }
    boxes.forEach(function (box) {
      var count = box.parentNode.querySelector('.count');
      if (count) count.textContent = String(counts[box.getAttribute('data-verdict')] || 0);
    });
    while (list.firstChild) list.removeChild(list.firstChild);
    rowOf = new Map();
    shown = 0;
    cur = -1;
    renderTo(FIRST);
  }

  function resetFilters() {
    boxes.forEach(function (box) { box.checked = true; });
    search.value = '';
    if (fSuite) fSuite.value = '';
    if (fChannel) fChannel.value = '';
    if (fTag) fTag.value = '';
  }

  function renderTo(n) {
    var end = Math.min(matches.length, n);
    if (end > shown) {
      var fragment = document.createDocumentFragment();
      for (; shown < end; shown++) {
        var node = row(matches[shown]);
        rowOf.set(matches[shown], node);
        fragment.appendChild(node);
      }
      list.appendChild(fragment);
    }
    status.textContent = matches.length === all.length
      ? 'Showing ' + shown + ' of ' + all.length + ' scenarios'
      : 'Showing ' + shown + ' of ' + matches.length + ' matching scenarios (' + all.length + ' in total)';
    var rest = matches.length - shown;
    more.hidden = rest <= 0;
    more.textContent = 'Show ' + Math.min(PAGE, rest) + ' more';
  }

  // ------------------------------------------------------------------ rows
  function head(parent, s) {
    parent.appendChild(el('span', 'badge v-' + s.v, s.v));
    var name = el('span', 'name');
    name.appendChild(el('span', 'suite', data.suites[s.s] + ' \u203a '));
    name.appendChild(document.createTextNode(s.id));
    parent.appendChild(name);
    s.tags.forEach(function (t) { parent.appendChild(el('span', 'tag', t)); });
    if (s.nd !== undefined) parent.appendChild(el('span', 'warn', 'legacy non-deterministic'));
    if (s.sum !== undefined) parent.appendChild(el('span', 'sum', s.sum));
    else if (s.nd !== undefined) parent.appendChild(el('span', 'sum', s.nd));
    var link = el('a', 'link', '#');
    link.href = '#' + s.key;
    link.title = 'Link to this scenario';
    parent.appendChild(link);
    parent.appendChild(el('span', 'dur', s.d));
  }

  function row(s) {
    var node;
    if (s.x === undefined) {
      node = el('div', 'row compact');
      node.tabIndex = -1;
      head(node, s);
    } else {
      node = el('details', 'row');
      var summary = el('summary');
      head(summary, s);
      node.appendChild(summary);
      node.addEventListener('toggle', function () {
        if (!node.open) return;
        if (node.childNodes.length === 1) node.appendChild(detail(s));
        setHash(s);
      });
    }
    scenarioOf.set(node, s);
    return node;
  }

  function setHash(s) {
    if (location.hash === '#' + s.key) return;
    try { history.replaceState(null, '', '#' + s.key); } catch (e) { /* file:// in some browsers */ }
  }

  function setCur(index) {
    var old = cur >= 0 ? rowOf.get(matches[cur]) : null;
    if (old) old.classList.remove('cur');
    cur = index;
    var node = rowOf.get(matches[cur]);
    if (!node) return;
    node.classList.add('cur');
    var focusable = node.tagName === 'DETAILS' ? node.firstChild : node;
    focusable.focus({ preventScroll: true });
    node.scrollIntoView({ block: 'nearest' });
  }

  function move(delta) {
    if (matches.length === 0) return;
    var next = cur < 0 ? (delta > 0 ? 0 : matches.length - 1) : Math.max(0, Math.min(matches.length - 1, cur + delta));
    renderTo(Math.max(shown, next + 1));
    setCur(next);
  }

  function openFromHash() {
    var h = location.hash.slice(1);
    if (h === '') return;
    var slash = h.indexOf('/');
    if (slash < 0) return;
    var suite = dec(h.slice(0, slash));
    var id = dec(h.slice(slash + 1));
    var target = null;
    for (var i = 0; i < all.length; i++) {
      if (all[i].id === id && data.suites[all[i].s] === suite) { target = all[i]; break; }
    }
    if (target === null) {
      status.textContent = 'No scenario ' + id + ' in suite ' + suite + ' in this report.';
      return;
    }
    var index = matches.indexOf(target);
    if (index < 0) {
      resetFilters();
      apply();
      index = matches.indexOf(target);
    }
    renderTo(Math.max(shown, index + 1));
    var node = rowOf.get(target);
    if (node && node.tagName === 'DETAILS') node.open = true;
    setCur(index);
    node.scrollIntoView({ block: 'start' });
  }

  // ------------------------------------------------------------------ a scenario's details
  function detail(s) {
    var dt = details(s);
    var box = el('div', 'detail');
    if (dt.err !== undefined) {
      box.appendChild(el('h4', null, s.v === 'missing' ? 'Missing baseline' : 'Error'));
      box.appendChild(el('pre', null, dt.err));
    }
    if (dt.fl) {
      box.appendChild(el('h4', null, "Varied between the candidate's " + dt.fl.n + ' runs'));
      box.appendChild(changes({ head: ['Place'], rows: dt.fl.v.map(function (v) { return [v]; }), classes: [] }));
    }
    (dt.diffs || []).forEach(function (d) {
      box.appendChild(el('h4', d.by ? 'accepted' : null, d.label + (d.by ? ' \u2014 accepted by ' + d.by.join(', ') : '') + ' \u2014 ' + d.summary));
      if (d.ex) box.appendChild(exchange(d.ex));
      if (d.img) box.appendChild(image(d.img));
      if (d.kind === 'text') box.appendChild(textDiff(d));
      else if (d.kind === 'lines') box.appendChild(lines(d));
      else if (d.kind === 'tree') box.appendChild(tree(d));
      else if (d.kind === 'rows') box.appendChild(dbRows(d));
      else if (d.kind === 'schema') box.appendChild(ddl(d));
      else box.appendChild(changes(d));
      if (d.truncated) box.appendChild(el('p', 'note', 'The comparator truncated this diff (edit limit reached); hunks are approximate.'));
      if (d.clipped > 0) box.appendChild(el('p', 'note', d.clipped + ' more ' + (d.kind === 'text' || d.kind === 'lines' ? 'lines' : 'entries') + ' not shown here; see report.json.'));
    });
    if (dt.ok && dt.ok.length > 0) box.appendChild(el('p', 'note', 'Matching: ' + dt.ok.join(', ')));
    if (s.nd !== undefined) box.appendChild(el('p', 'note', 'Legacy non-deterministic: ' + s.nd));
    if (dt.nz) {
      box.appendChild(el('h4', null, 'Noise ignored (learned from the legacy)'));
      box.appendChild(changes({ head: ['Channel', 'Where', 'Values seen'], rows: dt.nz, classes: [] }));
    }
    if (dt.timing) {
      box.appendChild(el('h4', null, 'Timing (stored, not compared)'));
      box.appendChild(changes({ head: ['', 'Legacy', 'Candidate'], rows: dt.timing, classes: [] }));
    }
    return box;
  }

  function exchange(x) {
    var box = el('details', 'exchange');
    box.open = x.open;
    box.appendChild(el('summary', null, 'Request and responses: ' + x.sum));
    box.appendChild(message('Request, as the ' + x.by + ' sent it', x.req, null, x.by));
    var sides = el('div', 'sides');
    sides.appendChild(message('Legacy response', x.l, x.st ? 'del' : null, 'legacy'));
    sides.appendChild(message('Candidate response', x.c, x.st ? 'add' : null, 'candidate'));
    box.appendChild(sides);
    return box;
  }

  function message(title, m, mark, side) {
    var part = el('div', 'msg');
    part.appendChild(el('p', 'msg-title', title));
    if (!m) {
      part.appendChild(el('p', 'note', 'The ' + side + ' did not send this request.'));
      return part;
    }
    part.appendChild(el('pre', mark ? 'start ' + mark : 'start', m.line));
    if (m.headers !== '') part.appendChild(el('pre', 'hdrs', m.headers));
    part.appendChild(m.body === undefined ? el('p', 'note', 'No body.') : el('pre', 'body', m.body));
    return part;
  }

  function lineClass(text) {
    var mark = text.charAt(0);
    return mark === '+' ? 'add' : mark === '-' ? 'del' : mark === '\\' ? 'meta' : 'ctx';
  }

  // Both views are built when a diff is opened; the body's class shows one (remembered).
  function textDiff(d) {
    var box = el('div', 'textdiff');
    box.appendChild(unified(d));
    box.appendChild(split(d));
    return box;
  }

  function unified(d) {
    var table = el('table', 'diff code unified');
    d.hunks.forEach(function (h) {
      table.appendChild(hunkHeader(h, 3));
      var oldNo = h.oldStart;
      var newNo = h.newStart;
      h.lines.forEach(function (text) {
        var cls = lineClass(text);
        var tr = el('tr', cls);
        tr.appendChild(el('td', 'ln', cls === 'add' || cls === 'meta' ? '' : oldNo++));
        tr.appendChild(el('td', 'ln', cls === 'del' || cls === 'meta' ? '' : newNo++));
        tr.appendChild(el('td', 'code', text));
        table.appendChild(tr);
      });
    });
    return table;
  }

  function hunkHeader(h, span) {
    var header = el('tr', 'hunk');
    var cell = el('td', null, '@@ -' + h.oldStart + ',' + h.oldLines + ' +' + h.newStart + ',' + h.newLines + ' @@');
    cell.colSpan = span;
    header.appendChild(cell);
    return header;
  }

  // Side by side: context on both sides; a run of removed lines is paired with the run of
  // added lines that follows it, line by line (as GitHub's split view does).
  function split(d) {
    var table = el('table', 'diff code split');
    d.hunks.forEach(function (h) {
      table.appendChild(hunkHeader(h, 4));
      var oldNo = h.oldStart;
      var newNo = h.newStart;
      var dels = [];
      var adds = [];
      function flush() {
        for (var i = 0; i < Math.max(dels.length, adds.length); i++) {
          var tr = el('tr', 'pair');
          tr.appendChild(el('td', 'ln', i < dels.length ? oldNo++ : ''));
          tr.appendChild(el('td', i < dels.length ? 'code del' : 'code empty', i < dels.length ? dels[i].slice(1) : ''));
          tr.appendChild(el('td', 'ln', i < adds.length ? newNo++ : ''));
          tr.appendChild(el('td', i < adds.length ? 'code add' : 'code empty', i < adds.length ? adds[i].slice(1) : ''));
          table.appendChild(tr);
        }
        dels = [];
        adds = [];
      }
      h.lines.forEach(function (text) {
        var cls = lineClass(text);
        if (cls === 'del') {
          if (adds.length > 0) flush();
          dels.push(text);
        } else if (cls === 'add') adds.push(text);
        else {
          flush();
          var tr = el('tr', cls);
          if (cls === 'meta') {
            var cell = el('td', 'code', text);
            cell.colSpan = 4;
            tr.appendChild(cell);
          } else {
            tr.appendChild(el('td', 'ln', oldNo++));
            tr.appendChild(el('td', 'code', text.slice(1)));
            tr.appendChild(el('td', 'ln', newNo++));
            tr.appendChild(el('td', 'code', text.slice(1)));
          }
          table.appendChild(tr);
        }
      });
      flush();
    });
    return table;
  }

  function lines(d) {
    var table = el('table', 'diff code');
    d.lines.forEach(function (text) {
      var cls = /^(\+\+\+|---) /.test(text) ? 'meta' : /^@@/.test(text) ? 'hunk' : text.charAt(0) === '+' ? 'add' : text.charAt(0) === '-' ? 'del' : 'ctx';
      var tr = el('tr', cls);
      tr.appendChild(el('td', 'code', text));
      table.appendChild(tr);
    });
    return table;
  }

  // JSON: the changed paths as a tree, each leaf with its change and both values.
  function tree(d) {
    var root = el('ul', 'tree');
    d.nodes.forEach(function (n) { root.appendChild(treeNode(n)); });
    return root;
  }

  function treeNode(n) {
    var li = el('li', n.c ? 'leaf ' + (CHANGE_CLASS[n.c.kind] || 'chg') : 'branch');
    var line = el('div', 'tline');
    line.appendChild(el('span', 'key', n.k));
    if (n.c) {
      line.appendChild(el('span', 'kind', n.c.kind));
      if (n.c.l !== undefined) line.appendChild(el('code', 'old', n.c.l));
      if (n.c.l !== undefined && n.c.r !== undefined) line.appendChild(el('span', 'arrow', '\u2192'));
      if (n.c.r !== undefined) line.appendChild(el('code', 'new', n.c.r));
    }
    if (n.n) line.appendChild(el('span', 'muted count', n.t + (n.t === 1 ? ' change' : ' changes')));
    li.appendChild(line);
    if (n.n) {
      var ul = el('ul');
      n.n.forEach(function (child) { ul.appendChild(treeNode(child)); });
      li.appendChild(ul);
    }
    return li;
  }

  // Database: one table per database table; each differing row shows the legacy's and the
  // candidate's before/after versions, differing cells highlighted.
  function dbRows(d) {
    var box = el('div', 'db');
    d.tables.forEach(function (t) {
      box.appendChild(el('p', 'tname', t.t));
      var wrap = el('div', 'scroll');
      var table = el('table', 'rows');
      var thead = el('thead');
      var hr = el('tr');
      hr.appendChild(el('th', null, 'Row'));
      hr.appendChild(el('th', null, 'Version'));
      t.cols.forEach(function (c) { hr.appendChild(el('th', null, c)); });
      thead.appendChild(hr);
      table.appendChild(thead);
      t.rows.forEach(function (r) {
        var body = el('tbody', 'rk ' + (CHANGE_CLASS[r.kind] || 'chg'));
        var versions = r.lines.length > 0 ? r.lines : [['', null]];
        // Differing cells are marked on the rows' final versions (after; before for a delete).
        var hasAfter = versions.some(function (v) { return v[0].indexOf(' after') !== -1; });
        versions.forEach(function (version, j) {
          var tr = el('tr', version[0].indexOf('candidate') === 0 ? 'cd' : 'lg');
          if (j === 0) {
            var th = el('th', 'rowkey');
            th.rowSpan = versions.length;
            th.appendChild(el('div', null, r.k));
            th.appendChild(el('span', 'rkind', ROW_KIND[r.kind] || r.kind));
            tr.appendChild(th);
          }
          tr.appendChild(el('td', 'ver', version[0]));
          t.cols.forEach(function (c, ci) {
            var value = version[1] ? version[1][ci] : '';
            var marked = r.hi.indexOf(ci) !== -1 && (!hasAfter || version[0].indexOf(' after') !== -1);
            var cell = el('td', marked ? 'hi' : null, value === null ? 'NULL' : value);
            if (value === null) cell.classList.add('null');
            tr.appendChild(cell);
          });
          body.appendChild(tr);
        });
        table.appendChild(body);
      });
      wrap.appendChild(table);
      box.appendChild(wrap);
    });
    return box;
  }

  // Schema: the differences as DDL lines.
  function ddl(d) {
    var box = el('div', 'ddl');
    d.changes.forEach(function (c) {
      var line = el('div', 'dline ' + (CHANGE_CLASS[c.kind] || 'chg'));
      line.appendChild(el('span', 'mark', MARK[c.kind] || '~'));
      line.appendChild(el('code', null, c.ddl));
      line.appendChild(el('span', 'obj', c.o));
      box.appendChild(line);
      if (c.l !== undefined) box.appendChild(el('div', 'dside del', 'legacy:    ' + c.l));
      if (c.c !== undefined) box.appendChild(el('div', 'dside add', 'candidate: ' + c.c));
    });
    return box;
  }

  // Images: legacy / candidate / diff side by side, and a slider over the two when they have
  // the same size.
  function picture(b64, alt) {
    if (typeof b64 !== 'string' || !/^[A-Za-z0-9+\/]+={0,2}$/.test(b64)) return el('span', 'note', '(not a base64 PNG)');
    var img = el('img');
    img.alt = alt;
    img.src = 'data:image/png;base64,' + b64;
    return img;
  }

  function image(m) {
    var box = el('div', 'image');
    var three = el('div', 'img3');
    [['Legacy', m.l], ['Candidate', m.c], ['Diff (differing pixels in red)', m.diff]].forEach(function (p) {
      if (!p[1]) return;
      var fig = el('figure');
      fig.appendChild(picture(p[1], p[0]));
      fig.appendChild(el('figcaption', null, p[0]));
      three.appendChild(fig);
    });
    box.appendChild(three);
    if (m.l && m.c && m.same) {
      var slider = el('div', 'slider');
      var base = picture(m.c, 'Candidate');
      var top = picture(m.l, 'Legacy');
      top.classList.add('top');
      slider.appendChild(base);
      slider.appendChild(top);
      var range = el('input');
      range.type = 'range';
      range.min = '0';
      range.max = '100';
      range.value = '50';
      range.className = 'range';
      range.title = 'Legacy on the left, candidate on the right';
      var update = function () { top.style.clipPath = 'inset(0 ' + (100 - Number(range.value)) + '% 0 0)'; };
      range.addEventListener('input', update);
      update();
      var fig = el('figure', 'sliderfig');
      fig.appendChild(slider);
      fig.appendChild(range);
      fig.appendChild(el('figcaption', null, 'Slider: legacy \u2190 | \u2192 candidate'));
      box.appendChild(fig);
    }
    if (m.note) box.appendChild(el('p', 'note', m.note));
    return box;
  }

  function changes(d) {
    var wrap = el('div', 'scroll');
    var table = el('table', 'changes');
    var tr = el('tr');
    d.head.forEach(function (h) { tr.appendChild(el('th', null, h)); });
    var thead = el('thead');
    thead.appendChild(tr);
    table.appendChild(thead);
    var tbody = el('tbody');
    d.rows.forEach(function (cells, i) {
      var r = el('tr', d.classes[i] || null);
      cells.forEach(function (c) { r.appendChild(el('td', null, c)); });
      tbody.appendChild(r);
    });
    table.appendChild(tbody);
    wrap.appendChild(table);
    return wrap;
  }

  // ------------------------------------------------------------------ view toggle, events
  function setView(view, remember) {
    var v = view === 'split' ? 'split' : 'unified';
    document.body.classList.toggle('split-view', v === 'split');
    viewButtons.forEach(function (b) { b.setAttribute('aria-pressed', b.getAttribute('data-view') === v ? 'true' : 'false'); });
    if (remember) {
      try { localStorage.setItem(VIEW_KEY, v); } catch (e) { /* storage off: not remembered */ }
    }
  }

  var saved = null;
  try { saved = localStorage.getItem(VIEW_KEY); } catch (e) { saved = null; }
  setView(saved, false);
  viewButtons.forEach(function (b) {
    b.addEventListener('click', function () { setView(b.getAttribute('data-view'), true); });
  });

  boxes.forEach(function (box) { box.addEventListener('change', apply); });
  [fSuite, fChannel, fTag].forEach(function (select) { if (select) select.addEventListener('change', apply); });
  search.addEventListener('input', function () {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(function () { timer = null; apply(); }, 120);
  });
  search.addEventListener('keydown', function (event) {
    if (event.key === 'Enter') {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      apply();
    } else if (event.key === 'Escape') search.blur();
  });
  more.addEventListener('click', function () { renderTo(shown + PAGE); });
  if ('IntersectionObserver' in window) {
    new IntersectionObserver(function (entries) {
      if (entries[0].isIntersecting && !more.hidden) renderTo(shown + PAGE);
    }, { rootMargin: '600px' }).observe(more);
  }
  list.addEventListener('focusin', function (event) {
    var node = event.target.closest ? event.target.closest('.row') : null;
    var s = node ? scenarioOf.get(node) : undefined;
    if (s === undefined) return;
    var index = matches.indexOf(s);
    if (index >= 0 && index !== cur) {
      var old = cur >= 0 ? rowOf.get(matches[cur]) : null;
      if (old) old.classList.remove('cur');
      cur = index;
      node.classList.add('cur');
    }
  });
  document.addEventListener('keydown', function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var t = event.target;
    var tag = t && t.tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
    if (event.key === '/') {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === 'j' || event.key === 'k') {
      event.preventDefault();
      move(event.key === 'j' ? 1 : -1);
    } else if (event.key === 'Enter' && cur >= 0 && tag !== 'SUMMARY' && tag !== 'A' && tag !== 'BUTTON') {
      var node = rowOf.get(matches[cur]);
      if (node && node.tagName === 'DETAILS') {
        event.preventDefault();
        node.open = !node.open;
      }
    }
  });
  window.addEventListener('hashchange', openFromHash);
  apply();
  openFromHash();
  if (performance && performance.mark) performance.mark('paritykit:rows');
})();
`;
