#include "report/status_page.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "checks/catalogue.h"
#include "core/build_info.h"
#include "core/duration.h"
#include "core/text.h"
#include "report/render.h"

namespace probity {
namespace {

// Colours meet WCAG AA (4.5:1) against their background in both schemes;
// status is always spelled out too, never told by colour alone.
constexpr const char* kStyle = R"css(
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#57606a;--line:#d0d7de;--card:#f6f8fa;
--bad:#b3261e;--bad-bg:#ffebe9;--good:#116329;--good-bg:#dafbe1;--warn:#7d4e00;--skip:#57606a;--link:#0550ae}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--card:#161b22;
--bad:#ff8182;--bad-bg:#3b1219;--good:#56d364;--good-bg:#0f2e1a;--warn:#e3b341;--skip:#9da7b3;--link:#79c0ff}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:84rem;padding:1rem;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;
background:var(--bg);color:var(--fg)}
a{color:var(--link)}a:focus-visible,summary:focus-visible,select:focus-visible,input:focus-visible,
button:focus-visible{outline:3px solid var(--link);outline-offset:2px}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.2rem 0 .5rem}h3{display:inline;font-size:1rem;margin:0}
.meta,.muted{color:var(--muted)}.meta{font-size:.9rem;margin:.2rem 0 .8rem}
.totals{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0;padding:0;list-style:none}
.totals li{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.3rem .7rem}
.totals strong{font-size:1.2rem}
form#filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;margin:.8rem 0;padding:.6rem;
background:var(--card);border:1px solid var(--line);border-radius:6px}
form#filters label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}
select,input,button{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:4px;
padding:.25rem .4rem;min-height:2rem}
input[type=search]{min-width:14rem}
details.target{border:1px solid var(--line);border-left:6px solid var(--good);border-radius:6px;margin:.5rem 0;
background:var(--bg)}
details.target.problem{border-left-color:var(--bad)}
details.target>summary{cursor:pointer;padding:.5rem .7rem;display:flex;flex-wrap:wrap;gap:.2rem .9rem;
align-items:center;list-style:none}
details.target>summary::-webkit-details-marker{display:none}
details.target>summary::before{content:"\25B8";color:var(--muted)}details.target[open]>summary::before{content:"\25BE"}
.badge{font-weight:700;font-size:.8rem;padding:.05rem .45rem;border-radius:4px;white-space:nowrap}
.badge.bad{color:var(--bad);background:var(--bad-bg)}.badge.good{color:var(--good);background:var(--good-bg)}
.score{font-variant-numeric:tabular-nums;font-weight:600}
.cats{display:flex;flex-wrap:wrap;gap:.2rem .6rem;font-size:.85rem;color:var(--muted)}
.cats .low{color:var(--bad);font-weight:600}
.label{font-size:.8rem;border:1px solid var(--line);border-radius:10px;padding:0 .45rem;color:var(--muted)}
.failing{flex-basis:100%;font-size:.9rem;color:var(--bad)}.failing code{color:inherit}
.when{font-size:.85rem;color:var(--muted)}
svg.spark{vertical-align:middle;background:var(--card);border:1px solid var(--line);border-radius:3px}svg.spark polyline{fill:none;stroke:var(--link);stroke-width:1.5}
.body{padding:0 .7rem .7rem}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{font-size:.85rem;color:var(--muted)}
td.status{font-weight:700;white-space:nowrap}
tr[data-status=fail] td.status,tr[data-status=error] td.status{color:var(--bad)}
tr[data-status=pass] td.status{color:var(--good)}tr[data-status=skip] td.status{color:var(--skip)}
td.detail{overflow-wrap:anywhere}.fix{display:block;color:var(--muted);font-size:.9rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
.sev-critical{color:var(--bad)}.sev-warning{color:var(--warn)}
dl.doc{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dl.doc dt{color:var(--muted)}dl.doc dd{margin:0}
article.doc{border-top:1px solid var(--line);padding:.4rem 0}
[hidden]{display:none!important}
@media (max-width:640px){body{padding:.5rem}input[type=search]{min-width:0;width:100%}
form#filters label{flex:1 1 40%}thead{display:none}table,tbody,tr,td{display:block}
tr{border-bottom:1px solid var(--line);padding:.3rem 0}td{border:0;padding:.1rem .2rem}
td.status,td.sev{display:inline-block}}
)css";

// Filters (status, category, severity, label, text) and, on a live page, the
// refresh: api/v1/report is polled, and when it changed the page is fetched
// again and its targets swapped in, keeping what the reader had open, the
// filters, the scroll position and the focus.
constexpr const char* kScript = R"js(
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var shown = document.getElementById("shown");
  form.hidden = false;
  function value(name) { return form.elements[name].value; }
  function apply() {
    var status = value("status"), category = value("category"), severity = value("severity");
    var label = value("label"), q = value("q").trim().toLowerCase();
    var rowFilter = status || category || severity || q;
    var targets = document.querySelectorAll("details.target"), visible = 0;
    targets.forEach(function (t) {
      var labelOk = !label || t.dataset.labels.split("\n").indexOf(label) >= 0;
      var nameHit = q && t.dataset.name.toLowerCase().indexOf(q) >= 0;
      var rows = t.querySelectorAll("tr[data-status]"), hits = 0;
      rows.forEach(function (r) {
        var d = r.dataset;
        var ok = (!status || (status === "problem" ? d.status === "fail" || d.status === "error" : d.status === status)) &&
                 (!category || d.category === category) && (!severity || d.severity === severity) &&
                 (!q || nameHit || r.textContent.toLowerCase().indexOf(q) >= 0);
        r.hidden = !ok;
        if (ok) hits++;
      });
      var show = labelOk && (!rowFilter || hits > 0 || (nameHit && !status && !category && !severity));
      t.hidden = !show;
      if (show) visible++;
      if (show && rowFilter && hits > 0 && !t.dataset.touched) t.open = true;
    });
    shown.textContent = rowFilter || label ? "Showing " + visible + " of " + targets.length + " targets" : "";
  }
  // A link to one target (#target-NAME) opens it.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1)), el = id && document.getElementById(id);
    if (el && el.matches("details.target")) { el.open = true; el.scrollIntoView(); }
  }
  window.addEventListener("hashchange", reveal);
  reveal();
  form.addEventListener("input", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  document.addEventListener("toggle", function (e) {
    if (e.target.matches && e.target.matches("details.target")) e.target.dataset.touched = "1";
  }, true);
  apply();

  var every = Number(document.body.dataset.refresh || 0);
  var state = document.getElementById("refresh-state");
  var auto = document.getElementById("auto-refresh");
  function relative() {
    var now = Date.now();
    document.querySelectorAll("time[data-rel]").forEach(function (el) {
      var s = Math.round((Date.parse(el.dateTime) - now) / 1000), a = Math.abs(s);
      var text = a < 90 ? a + "s" : a < 5400 ? Math.round(a / 60) + "m" : Math.round(a / 3600) + "h";
      el.textContent = s <= 0 ? (el.dataset.rel === "next" ? "due now" : text + " ago") : "in " + text;
    });
  }
  if (!every) return;
  auto.parentElement.hidden = false;
  var last = null;
  function swap() {
    return fetch(location.href, {cache: "no-store"}).then(function (r) {
      if (!r.ok) throw new Error("the page answered " + r.status);
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var open = {}, touched = {};
      document.querySelectorAll("details.target").forEach(function (d) {
        open[d.dataset.name] = d.open;
        if (d.dataset.touched) touched[d.dataset.name] = true;
      });
      var y = window.scrollY, focused = document.activeElement && document.activeElement.id;
      ["totals", "targets"].forEach(function (id) {
        var fresh = doc.getElementById(id), old = document.getElementById(id);
        if (fresh && old) old.replaceWith(document.adoptNode(fresh));
      });
      document.querySelectorAll("details.target").forEach(function (d) {
        if (d.dataset.name in open) d.open = open[d.dataset.name];
        if (touched[d.dataset.name]) d.dataset.touched = "1";
      });
      apply();
      relative();
      window.scrollTo(0, y);
      if (focused && document.getElementById(focused)) document.getElementById(focused).focus({preventScroll: true});
    });
  }
  function tick() {
    relative();
    if (!auto.checked || document.hidden) return;
    fetch("api/v1/report", {cache: "no-store"}).then(function (r) {
      if (!r.ok) throw new Error("api/v1/report answered " + r.status);
      return r.text();
    }).then(function (text) {
      var changed = last !== null && text !== last;
      last = text;
      return changed ? swap() : null;
    }).then(function () {
      state.textContent = "checked " + new Date().toLocaleTimeString();
    }).catch(function (e) {
      state.textContent = "cannot reach the agent (" + e.message + "); showing the last page";
    });
  }
  setInterval(tick, every * 1000);
  tick();
})();
)js";

std::string Html(std::string_view raw) {
  std::string out;
  for (char c : Printable(raw)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Head(const std::string& title) {
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
         "<meta name=\"color-scheme\" content=\"light dark\"><link rel=\"icon\" href=\"data:,\">"
         "<title>" + Html(title) + "</title>\n<style>" + kStyle + "</style></head>\n";
}

// The categories in catalogue order.
const std::vector<std::string>& CategoryOrder() {
  static const std::vector<std::string> order = [] {
    std::vector<std::string> out;
    for (const CheckInfo& c : Catalogue()) {
      if (out.empty() || out.back() != c.category()) out.emplace_back(c.category());
    }
    return out;
  }();
  return order;
}

bool Failing(CheckStatus s) { return s == CheckStatus::kFail || s == CheckStatus::kError; }

int FailingCount(const TargetReport& t) {
  return static_cast<int>(std::count_if(t.checks.begin(), t.checks.end(),
                                         [](const CheckResult& c) { return Failing(c.status); }));
}

// Not ready first, then any failure, then lower scores; the configured order
// otherwise.
std::vector<const TargetReport*> Ordered(const Report& report) {
  std::vector<const TargetReport*> out;
  for (const TargetReport& t : report.targets) out.push_back(&t);
  std::stable_sort(out.begin(), out.end(), [](const TargetReport* a, const TargetReport* b) {
    const auto key = [](const TargetReport* t) { return std::make_tuple(t->ready, FailingCount(*t) == 0, t->score); };
    return key(a) < key(b);
  });
  return out;
}

int StatusRank(CheckStatus s) {
  switch (s) {
    case CheckStatus::kError: return 0;
    case CheckStatus::kFail: return 0;
    case CheckStatus::kSkip: return 2;
    case CheckStatus::kPass: return 1;
  }
  return 3;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

std::string CheckHref(const std::string& id, bool live) {
  // Ids are [a-z0-9._] (the catalogue test keeps them so): safe in a URL.
  return live ? "checks/" + Html(id) : "#check-" + Html(id);
}

std::string TimeTag(WallTime t, const char* rel, bool live, const StatusPageOptions& options) {
  const std::string stamp = FormatRfc3339(t);
  std::string text;
  if (!live) {
    text = stamp;
  } else {
    const double seconds = ToSeconds(t - options.now);
    const double a = std::fabs(seconds);
    char span[32];
    if (a < 90) std::snprintf(span, sizeof span, "%.0fs", a);
    else if (a < 5400) std::snprintf(span, sizeof span, "%.0fm", a / 60);
    else std::snprintf(span, sizeof span, "%.0fh", a / 3600);
    text = seconds <= 0 ? (std::string(rel) == "next" ? "due now" : std::string(span) + " ago") : "in " + std::string(span);
  }
  return "<time datetime=\"" + stamp + "\" title=\"" + stamp + "\"" + (live ? std::string(" data-rel=\"") + rel + "\"" : "") +
         ">" + text + "</time>";
}

std::string Sparkline(const std::vector<ScorePoint>& points) {
  if (points.size() < 2) return "";
  constexpr int kWidth = 120, kHeight = 22;
  std::string poly;
  float low = 1;
  for (std::size_t i = 0; i < points.size(); ++i) {
    char xy[48];
    const double x = static_cast<double>(i) * kWidth / static_cast<double>(points.size() - 1);
    const double y = 1 + (1 - std::clamp(points[i].score, 0.0f, 1.0f)) * (kHeight - 2);
    std::snprintf(xy, sizeof xy, "%s%.1f,%.1f", i ? " " : "", x, y);
    poly += xy;
    low = std::min(low, points[i].score);
  }
  const std::string label = "score over the last " + std::to_string(points.size()) + " runs, since " +
                            FormatRfc3339(points.front().at) + ": lowest " + FormatPercent(low) + ", now " +
                            FormatPercent(points.back().score);
  return "<svg class=\"spark\" width=\"" + std::to_string(kWidth) + "\" height=\"" + std::to_string(kHeight) +
         "\" viewBox=\"0 0 " + std::to_string(kWidth) + " " + std::to_string(kHeight) +
         "\" role=\"img\" aria-label=\"" + label + "\"><title>" + label + "</title><polyline points=\"" + poly +
         "\"/></svg>";
}

std::string Totals(const Report& report, const StatusPageOptions& options) {
  int not_ready = 0, failing = 0;
  std::map<Level, int> levels;
  for (const TargetReport& t : report.targets) {
    not_ready += t.ready ? 0 : 1;
    failing += FailingCount(t);
    ++levels[t.level];
  }
  std::string out = "<ul class=\"totals\" id=\"totals\"><li><strong>" + std::to_string(report.targets.size()) +
                    "</strong> targets</li><li><strong>" + std::to_string(not_ready) + "</strong> not ready</li>"
                    "<li><strong>" + std::to_string(failing) + "</strong> failing checks</li>";
  for (Level l : {Level::kGold, Level::kSilver, Level::kBronze, Level::kNone}) {
    out += "<li><strong>" + std::to_string(levels[l]) + "</strong> " + std::string(LevelName(l)) + "</li>";
  }
  if (!options.waiting.empty()) {
    std::string names;
    for (std::size_t i = 0; i < options.waiting.size() && i < 10; ++i) names += (i ? ", " : "") + Html(options.waiting[i]);
    if (options.waiting.size() > 10) names += ", …";
    out += "<li><strong>" + std::to_string(options.waiting.size()) + "</strong> waiting for a first run: " + names +
           "</li>";
  }
  return out + "</ul>\n";
}

std::string Filters(const Report& report) {
  std::set<std::string> categories, labels;
  for (const TargetReport& t : report.targets) {
    for (const CheckResult& c : t.checks) categories.insert(c.category);
    for (const auto& [k, v] : t.labels) labels.insert(k + "=" + v);
  }
  const auto options = [](const std::set<std::string>& values) {
    std::string out = "<option value=\"\">all</option>";
    for (const std::string& v : values) out += "<option value=\"" + Html(v) + "\">" + Html(v) + "</option>";
    return out;
  };
  return "<form id=\"filters\" role=\"search\" aria-label=\"Filter targets and checks\" hidden>"
         "<label for=\"f-status\">Status<select id=\"f-status\" name=\"status\"><option value=\"\">all</option>"
         "<option value=\"problem\">fail or error</option><option value=\"fail\">fail</option>"
         "<option value=\"error\">error</option><option value=\"pass\">pass</option>"
         "<option value=\"skip\">skip</option></select></label>"
         "<label for=\"f-category\">Category<select id=\"f-category\" name=\"category\">" + options(categories) +
         "</select></label>"
         "<label for=\"f-severity\">Severity<select id=\"f-severity\" name=\"severity\"><option value=\"\">all</option>"
         "<option>critical</option><option>warning</option><option>info</option></select></label>"
         "<label for=\"f-label\">Target label<select id=\"f-label\" name=\"label\">" + options(labels) +
         "</select></label>"
         "<label for=\"f-q\">Search<input id=\"f-q\" name=\"q\" type=\"search\" "
         "placeholder=\"target, check or detail\"></label>"
         "<label hidden><span>Auto-refresh</span><input id=\"auto-refresh\" type=\"checkbox\" checked></label>"
         "</form>\n<p class=\"muted\" id=\"shown\" aria-live=\"polite\"></p>\n";
}

// Folded, unless it is the only target: the summary lines of a fleet come
// first, each naming its failing checks.
std::string TargetSection(const TargetReport& t, bool open, const StatusPageOptions& options) {
  const int failing = FailingCount(t);
  const bool problem = !t.ready || failing > 0;
  // One "name=value" per line (a newline within a label is escaped by Html()).
  std::string labels;
  for (const auto& [k, v] : t.labels) labels += (labels.empty() ? "" : "&#10;") + Html(k + "=" + v);
  // The id is what links to a target (the dashboards' data links use it).
  std::string out = "<details id=\"target-" + Html(t.name) + "\" class=\"target" + std::string(problem ? " problem" : "") +
                    "\" data-name=\"" +
                    Html(t.name) + "\" data-labels=\"" + labels + "\"" + (open ? " open" : "") +
                    "><summary><span class=\"badge " + (t.ready ? "good\">READY" : "bad\">NOT READY") +
                    "</span><h3>" + Html(t.name) + "</h3><span class=\"score\">" + FormatPercent(t.score) +
                    "</span><span>" + std::string(LevelName(t.level)) + "</span><span class=\"cats\">";
  for (const std::string& category : CategoryOrder()) {
    auto it = t.categories.find(category);
    if (it == t.categories.end()) continue;
    out += "<span" + std::string(it->second < 1 ? " class=\"low\"" : "") + ">" + category + " " +
           FormatPercent(it->second) + "</span>";
  }
  out += "</span>";
  for (const auto& [k, v] : t.labels) out += "<span class=\"label\">" + Html(k) + "=" + Html(v) + "</span>";
  out += "<span class=\"when\">ran " + TimeTag(t.started_at + t.duration, "last", options.live, options);
  if (auto next = options.next_run.find(t.name); options.live && next != options.next_run.end()) {
    out += " · next " + TimeTag(next->second, "next", true, options);
  }
  out += "</span>";
  if (auto h = options.history.find(t.name); h != options.history.end()) out += Sparkline(h->second);
  if (failing > 0) {
    out += "<span class=\"failing\">" + std::to_string(failing) + " failing:";
    int listed = 0;
    for (const CheckResult& c : t.checks) {
      if (!Failing(c.status)) continue;
      if (listed++ == 3) {
        out += " …";
        break;
      }
      out += " <code>" + Html(c.id) + "</code>";
    }
    out += "</span>";
  }
  out += "</summary>\n<div class=\"body\"><p class=\"muted\">" + Html(t.url) + " · took " +
         FormatElapsed(t.duration) + "</p><table><thead><tr><th>status</th><th>check</th><th>severity</th>"
         "<th>detail</th></tr></thead><tbody>\n";
  std::vector<const CheckResult*> checks;
  for (const CheckResult& c : t.checks) checks.push_back(&c);
  std::stable_sort(checks.begin(), checks.end(), [](const CheckResult* a, const CheckResult* b) {
    return StatusRank(a->status) < StatusRank(b->status);
  });
  for (const CheckResult* c : checks) {
    const std::string status(StatusName(c->status));
    const std::string severity(SeverityName(c->severity));
    out += "<tr data-status=\"" + status + "\" data-category=\"" + Html(c->category) + "\" data-severity=\"" +
           severity + "\"><td class=\"status\">" + Upper(status) + "</td><td><a href=\"" +
           CheckHref(c->id, options.live) + "\"><code>" + Html(c->id) + "</code></a></td><td class=\"sev sev-" +
           severity + "\">" + severity + "</td><td class=\"detail\">" + Html(c->detail);
    if (!c->blocked_by.empty()) out += " <span class=\"muted\">(not evaluated because " + Html(c->blocked_by) + ")</span>";
    if (Failing(c->status) && !c->remedy.empty()) out += "<span class=\"fix\">fix: " + Html(c->remedy) + "</span>";
    out += "</td></tr>\n";
  }
  return out + "</tbody></table></div></details>\n";
}

std::string LevelText(Level level) { return level == Level::kNone ? "none" : std::string(LevelName(level)); }

std::string DocBody(const CheckInfo& c) {
  std::string out = "<dl class=\"doc\"><dt>What it verifies</dt><dd>" + Html(c.description) + "</dd>";
  if (!c.why.empty()) out += "<dt>Why it matters</dt><dd>" + Html(c.why) + "</dd>";
  out += "<dt>How to fix</dt><dd>" + Html(c.remedy) + "</dd><dt>Category</dt><dd>" + std::string(c.category()) +
         "</dd><dt>Severity</dt><dd>" + std::string(SeverityName(c.severity)) + "</dd><dt>Level it gates</dt><dd>" +
         LevelText(c.level) + "</dd>";
  if (!c.params.empty()) {
    out += "<dt>Parameters</dt><dd><ul>";
    for (const ParamSpec& p : c.params) {
      out += "<li><code>" + Html(p.name) + "</code> (default " +
             (p.default_value.empty() ? std::string("none") : "<code>" + Html(p.default_value) + "</code>") + "): " +
             Html(p.help) + "</li>";
    }
    out += "</ul></dd>";
  }
  return out + "</dl>\n";
}

}  // namespace

std::string RenderStatusPage(const Report& report, const StatusPageOptions& options) {
  std::string out = Head("Probity status");
  out += "<body" + (options.live ? " data-refresh=\"" + std::to_string(options.refresh_seconds) + "\"" : std::string()) +
         ">\n<header><h1>Probity</h1><p class=\"meta\">version " + std::string(kVersion) + " · ";
  if (options.live) {
    out += "live status, page of " + FormatRfc3339(options.now) + " · <a href=\"metrics\">metrics</a> · "
           "<a href=\"api/v1/report\">JSON report</a> · <a href=\"checks\">checks</a> · "
           "<a href=\"openapi.json\">API</a> · <span id=\"refresh-state\" aria-live=\"polite\">refreshes every " +
           std::to_string(options.refresh_seconds) + "s</span>";
  } else {
    out += "report of the scan started " + FormatRfc3339(report.started_at) + ", took " +
           FormatElapsed(report.duration) + "<span id=\"refresh-state\"></span>";
  }
  out += "</p></header>\n<main>\n<h2>Summary</h2>\n" + Totals(report, options) + Filters(report) +
         "<h2>Targets</h2>\n<div id=\"targets\">\n";
  if (report.targets.empty()) out += "<p>No target has completed a run yet.</p>\n";
  for (const TargetReport* t : Ordered(report)) out += TargetSection(*t, report.targets.size() == 1, options);
  out += "</div>\n";
  if (!options.live) {
    // The documentation of every check the report names, so that each check
    // link resolves inside this file.
    std::set<std::string> ids;
    for (const TargetReport& t : report.targets) {
      for (const CheckResult& c : t.checks) ids.insert(c.id);
    }
    if (!ids.empty()) out += "<h2 id=\"checks\">Checks</h2>\n";
    for (const CheckInfo& info : Catalogue()) {
      if (!ids.count(info.id)) continue;
      out += "<article class=\"doc\" id=\"check-" + Html(info.id) + "\"><h3><code>" + Html(info.id) + "</code></h3>" +
             DocBody(info) + "</article>\n";
    }
  }
  return out + "</main>\n<script>" + kScript + "</script>\n</body></html>\n";
}

std::string RenderHtml(const Report& report) {
  StatusPageOptions options;
  options.now = report.started_at;
  return RenderStatusPage(report, options);
}

std::string RenderCheckPage(const CheckInfo& check) {
  return Head(check.id + " · Probity") + "<body>\n<header><p class=\"meta\"><a href=\"../\">status</a> · "
         "<a href=\"../checks\">all checks</a></p><h1><code>" + Html(check.id) + "</code></h1></header>\n<main>\n" +
         DocBody(check) + "</main>\n</body></html>\n";
}

std::string RenderCheckIndexPage() {
  std::string out = Head("Checks · Probity") + "<body>\n<header><p class=\"meta\"><a href=\"./\">status</a></p>"
                    "<h1>Checks</h1></header>\n<main>\n";
  std::string_view category;
  for (const CheckInfo& c : Catalogue()) {
    if (c.category() != category) {
      out += std::string(category.empty() ? "" : "</tbody></table>\n") + "<h2>" + std::string(c.category()) +
             "</h2>\n<table><thead><tr><th>check</th><th>severity</th><th>level</th><th>what it verifies</th></tr>"
             "</thead><tbody>\n";
      category = c.category();
    }
    out += "<tr><td><a href=\"checks/" + Html(c.id) + "\"><code>" + Html(c.id) + "</code></a></td><td>" +
           std::string(SeverityName(c.severity)) + "</td><td>" + LevelText(c.level) + "</td><td>" +
           Html(c.description) + "</td></tr>\n";
  }
  return out + "</tbody></table>\n</main>\n</body></html>\n";
}

}  // namespace probity
