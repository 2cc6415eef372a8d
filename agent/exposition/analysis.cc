#include "exposition/analysis.h"

#include <pthread.h>
#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/text.h"

namespace probity::exposition {

const FamilySummary* Analysis::Find(std::string_view name) const {
  for (const FamilySummary& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<const Problem*> Analysis::Of(Problem::Kind kind) const {
  std::vector<const Problem*> out;
  for (const Problem& p : problems) {
    if (p.kind == kind) out.push_back(&p);
  }
  return out;
}

namespace {

using Kind = Problem::Kind;

std::uint64_t Mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb3fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// Folds bytes into a running hash, eight at a time. The last word is read as
// the final eight bytes (overlapping) rather than copied byte by byte, which
// would stall the load that follows.
std::uint64_t Fold(std::uint64_t h, const char* p, std::size_t n) {
  std::uint64_t v;
  if (n >= 8) {
    const char* const end = p + n;
    for (; end - p > 8; p += 8) {
      std::memcpy(&v, p, 8);
      h = (h ^ v) * 0x9FB21C651E98DF25ULL;
      h ^= h >> 29;
    }
    std::memcpy(&v, end - 8, 8);
  } else {
    v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  h = (h ^ v ^ (static_cast<std::uint64_t>(n) << 56)) * 0x9FB21C651E98DF25ULL;
  return h ^ (h >> 29);
}

// A fast non-cryptographic hash of a string.
std::uint64_t Hash(std::string_view s) { return Mix(Fold(0x9E3779B97F4A7C15ULL, s.data(), s.size())); }

// Hashes one label (a label set hashes to the sum of its labels' hashes, so
// that label order does not matter). `name="value"` written without blanks,
// the usual case, is hashed as one run of bytes; other spellings hash the same.
std::uint64_t LabelHash(const Label& l) {
  const char* begin = l.name.data();
  const std::size_t span = static_cast<std::size_t>(l.value.data() + l.value.size() - begin);
  if (span == l.name.size() + 2 + l.value.size()) return Hash(std::string_view(begin, span));
  // As if written without blanks.
  std::string joined(l.name);
  joined += "=\"";
  joined += l.value;
  return Hash(joined);
}

// Zeroed 64-bit words for a hash table. From 2 MiB on they are mapped
// afresh, on transparent huge pages when the kernel offers them: such memory
// is zero already (nothing clears it twice), and a table of millions of
// slots costs a few page faults instead of one per 4 KiB, which on a virtual
// machine is most of the cost of clearing it.
struct FreeWords {
  std::size_t mapped = 0;  // bytes mapped, or 0 for the heap
  void operator()(std::uint64_t* p) const {
    if (mapped) {
      munmap(p, mapped);
    } else {
      std::free(p);
    }
  }
};

class Words {
 public:
  Words() = default;
  explicit Words(std::size_t size) : size_(size) {
    const std::size_t bytes = size * sizeof(std::uint64_t);
    void* data = nullptr;
    std::size_t mapped = 0;
    if (bytes >= kHugePage) {
      // Whole huge pages, on a huge page boundary, which older kernels do not
      // pick by themselves.
      mapped = (bytes + kHugePage - 1) / kHugePage * kHugePage;
      void* region = mmap(nullptr, mapped + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (region == MAP_FAILED) throw std::bad_alloc();
      const std::uintptr_t at = reinterpret_cast<std::uintptr_t>(region);
      const std::size_t head = (kHugePage - at % kHugePage) % kHugePage;
      if (head > 0) munmap(region, head);
      data = static_cast<char*>(region) + head;
      munmap(static_cast<char*>(data) + mapped, kHugePage - head);
#ifdef MADV_HUGEPAGE
      madvise(data, mapped, MADV_HUGEPAGE);  // a hint: failure is harmless
#endif
    } else {
      data = std::calloc(size, sizeof(std::uint64_t));
      if (!data) throw std::bad_alloc();
    }
    data_ = std::unique_ptr<std::uint64_t[], FreeWords>(static_cast<std::uint64_t*>(data), FreeWords{mapped});
  }
  std::uint64_t& operator[](std::size_t i) { return data_.get()[i]; }
  std::uint64_t operator[](std::size_t i) const { return data_.get()[i]; }
  const std::uint64_t* begin() const { return data_.get(); }
  const std::uint64_t* end() const { return data_.get() + size_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void Zero() { std::memset(data_.get(), 0, size_ * sizeof(std::uint64_t)); }

 private:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  std::unique_ptr<std::uint64_t[], FreeWords> data_;
  std::size_t size_ = 0;
};

// A set of 64-bit keys with open addressing, at most 70% full.
class KeySet {
 public:
  // True when the key was not there yet. Keys must already be well mixed.
  bool Insert(std::uint64_t key) {
    if (key == 0) key = 1;
    if ((size_ + 1) * 10 > slots_.size() * 7) Grow();
    std::size_t i = key & (slots_.size() - 1);
    while (slots_[i] != 0) {
      if (slots_[i] == key) return false;
      i = (i + 1) & (slots_.size() - 1);
    }
    slots_[i] = key;
    ++size_;
    return true;
  }
  std::size_t size() const { return size_; }
  // Makes room for `keys` keys at once, rather than growing to it.
  void Reserve(std::size_t keys) {
    std::size_t slots = 16;
    while (slots * 7 < keys * 10) slots *= 2;
    if (slots <= slots_.size()) return;
    const Words old = std::exchange(slots_, Words(slots));
    size_ = 0;
    for (std::uint64_t k : old) {
      if (k != 0) Insert(k);
    }
  }
  void Clear() {
    if (size_ == 0) return;
    slots_.Zero();
    size_ = 0;
  }
  void Prefetch(std::uint64_t key) const {
    if (!slots_.empty()) __builtin_prefetch(slots_.begin() + (key & (slots_.size() - 1)));
  }

 private:
  void Grow() { Reserve(slots_.empty() ? 1 : slots_.size()); }
  Words slots_;
  std::size_t size_ = 0;
};

// What a sample's series comes to: the hash of its label set (the sum of its
// labels' hashes) and its key (name and labels).
struct SampleKeys {
  std::uint64_t labels_hash = 0;
  std::uint64_t key = 0;
};

// Hashes each sample's series, given every sample in input order, on the
// thread that parses: a label shared with the previous sample keeps its
// hash, and a shared name its hash.
class SeriesHasher {
 public:
  SampleKeys Of(const Sample& s) {
    const std::size_t known = std::min<std::size_t>(s.shared_labels, label_hashes_.size());
    label_hashes_.resize(s.label_count);
    std::uint64_t labels_hash = 0x9e3779b97f4a7c15ULL;
    for (std::size_t i = 0; i < known; ++i) labels_hash += label_hashes_[i];
    for (std::size_t i = known; i < s.label_count; ++i) {
      label_hashes_[i] = LabelHash(s.labels[i]);
      labels_hash += label_hashes_[i];
    }
    if (known == 0 && s.name != name_) name_hash_ = Mix(Hash(s.name));
    name_ = s.name;
    return {labels_hash, Mix(name_hash_ ^ labels_hash)};
  }
  // The views into the input read so far are about to become invalid.
  void PieceDone() {
    name_ = {};
    label_hashes_.clear();
  }

 private:
  std::vector<std::uint64_t> label_hashes_;  // of the previous sample's labels
  std::string_view name_;                    // the previous sample's, and its hash
  std::uint64_t name_hash_ = 0;
};

bool HasSuffix(std::string_view s, std::string_view suffix) { return EndsWith(s, suffix); }

// A value for a message: shortest round-trip form, NaN and ±Inf by name.
std::string FormatNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : "?";
}


// What is needed to judge one histogram series, kept as it streams by.
struct HistogramSeries {
  std::uint64_t first_offset = 0;  // of its first line in the input, read again to quote it
  double last_le = 0, last_count = 0, inf_count = 0, sum = 0, count = 0;
  bool any_bucket = false, unsorted = false, decreasing = false, has_inf = false;
  bool has_sum = false, has_count = false;
};

// What only some families need, allocated on first use: a node_exporter
// page has a hundred families of a few series each, and an exposition can
// hold thousands of such pages.
struct FamilyDetail {
  std::string unit;
  std::optional<std::string> first_version;  // as in FamilySummary
  std::vector<std::string> label_names;
  std::vector<std::pair<const char*, std::uint32_t>> label_problems;  // promlint label texts, with counts
  KeySet signatures;              // histogram/summary: distinct label sets without le/quantile
  std::uint64_t last_signature = 0;
  std::unordered_map<std::uint64_t, std::uint32_t> histogram_index;
  std::vector<HistogramSeries> histograms;  // in order of first appearance
  std::vector<std::string> histogram_quotes;  // their first lines quoted, where the input cannot be read again
  HistogramSeries* last_histogram = nullptr;
  std::uint64_t last_histogram_signature = 0;
  std::size_t bad_quantiles = 0;
  std::string first_bad_quantile;
  KeySet om_metrics;  // OpenMetrics: the Metrics seen, by label set without le, quantile or state
};

// A family as it is read: what FamilySummary says of it, and what judging it
// needs. The rarer parts are in `detail`.
struct FamilyState {
  std::string name;
  MetricType type = MetricType::kUntyped;
  bool typed = false;
  bool has_help = false;
  std::uint32_t first_line = 0;
  std::uint32_t exemplars = 0;
  std::uint32_t exemplars_with_trace_id = 0;
  std::size_t series = 0;
  std::size_t samples = 0;
  double first_value = 0;
  std::int64_t counter_family = -1;  // its index in Analysis::counter_families, once it has one
  std::uint32_t index = 0;           // in order of appearance
  std::uint32_t unit_line = 0;
  std::uint32_t metrics = 0;      // as the reference parser counts them
  bool help_set = false;
  bool type_set = false;
  bool unit_set = false;
  bool closed = false;            // another family came after it
  bool reported_interleave = false;
  std::unique_ptr<FamilyDetail> detail;

  FamilyDetail& Detail() {
    if (!detail) detail = std::make_unique<FamilyDetail>();
    return *detail;
  }
  std::string_view unit() const { return detail ? std::string_view(detail->unit) : std::string_view(); }
  FamilySummary Summary() && {
    FamilySummary out;
    out.name = std::move(name);
    out.type = type;
    out.typed = typed;
    out.has_help = has_help;
    out.first_line = first_line;
    out.series = series;
    out.samples = samples;
    out.first_value = first_value;
    out.exemplars = exemplars;
    out.exemplars_with_trace_id = exemplars_with_trace_id;
    if (detail) {
      out.unit = std::move(detail->unit);
      out.first_version = std::move(detail->first_version);
      out.label_names = std::move(detail->label_names);
    }
    return out;
  }
};

// Families in order of appearance, in blocks: none needs an allocation of its
// own, and none moves. The first block is on the heap (most expositions have
// fewer families); later ones are carved from 2 MiB chunks, on a huge page
// where the kernel offers them: with a fault per 4 KiB, making a large
// exposition's families cost 4% of its analysis.
class FamilyStore {
 public:
  FamilyStore() = default;
  FamilyStore(const FamilyStore&) = delete;
  FamilyStore& operator=(const FamilyStore&) = delete;
  ~FamilyStore() {
    for (std::size_t i = 0; i < size_; ++i) (*this)[i].~FamilyState();
  }

  FamilyState& Add() {
    if (size_ % kBlock == 0) NewBlock();
    FamilyState* f = new (blocks_.back() + size_ % kBlock) FamilyState();
    ++size_;
    return *f;
  }
  FamilyState& operator[](std::size_t i) const { return blocks_[i / kBlock][i % kBlock]; }
  std::size_t size() const { return size_; }

 private:
  static constexpr std::size_t kBlock = 256;
  static constexpr std::size_t kBlockWords = (kBlock * sizeof(FamilyState) + 7) / 8;
  static constexpr std::size_t kChunkWords = (std::size_t{2} << 20) / 8;
  static_assert(alignof(FamilyState) <= alignof(std::uint64_t));

  void NewBlock() {
    if (chunks_.empty() || chunks_.back().size() - used_ < kBlockWords) {
      chunks_.emplace_back(chunks_.empty() ? kBlockWords : kChunkWords);
      used_ = 0;
    }
    blocks_.push_back(reinterpret_cast<FamilyState*>(&chunks_.back()[used_]));
    used_ += kBlockWords;
  }
  std::vector<Words> chunks_;
  std::size_t used_ = 0;  // words of the last chunk given out
  std::vector<FamilyState*> blocks_;
  std::size_t size_ = 0;
};

// Families by the names that lead to them: a family's own name, or that name
// and a suffix. Open addressing, at most half full, over 8-byte slots of
// family, suffix and the top 30 bits of the name's hash; a slot is compared
// by its family's name, so the table holds no string of its own. A slot's
// place comes from those top bits, so that growing moves slots without
// hashing any name again (up to 2^30 slots).
class NameTable {
 public:
  static constexpr std::string_view kSuffixes[] = {"", "_bucket", "_count", "_sum"};

  // The family `name` leads to, or -1.
  std::int64_t Find(std::string_view name, std::uint64_t hash,
                    const FamilyStore& families) const {
    if (slots_.empty()) return -1;
    const std::size_t mask = slots_.size() - 1;
    const std::uint64_t tag = hash >> 34 << 34;
    for (std::size_t i = tag >> shift_;; i = (i + 1) & mask) {
      const std::uint64_t slot = slots_[i];
      if (slot == 0) return -1;
      if ((slot >> 34 << 34) != tag) continue;
      const std::uint32_t family = static_cast<std::uint32_t>(slot) - 1;
      const std::string_view base = families[family].name, suffix = kSuffixes[(slot >> 32) & 3];
      if (name.size() == base.size() + suffix.size() && StartsWith(name, base) && EndsWith(name, suffix)) return family;
    }
  }
  // Adds a name that Find does not know: family's name and kSuffixes[suffix].
  void Insert(std::uint64_t hash, std::uint32_t family, std::uint32_t suffix) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    Place(hash >> 34 << 34 | std::uint64_t{suffix} << 32 | (family + 1));
    ++size_;
  }

 private:
  void Place(std::uint64_t slot) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = (slot >> 34 << 34) >> shift_;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
  // Doubles the table.
  void Grow() {
    const std::size_t slots = slots_.empty() ? 64 : slots_.size() * 2;
    if (slots > std::size_t{1} << 30) throw std::length_error("more metric names than a name table holds");
    const Words old = std::exchange(slots_, Words(slots));
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(slots));
    for (const std::uint64_t slot : old) {
      if (slot != 0) Place(slot);
    }
  }
  Words slots_;
  unsigned shift_ = 64;  // a hash's place is its top (64 - shift_) bits
  std::size_t size_ = 0;
};

// promlint's units: {unit, its base unit}.
constexpr std::string_view kUnitOrder[][2] = {
    {"amperes", "amperes"}, {"bytes", "bytes"}, {"celsius", "celsius"}, {"grams", "grams"},
    {"joules", "joules"},   {"kelvin", "kelvin"}, {"meters", "meters"}, {"metres", "metres"},
    {"seconds", "seconds"}, {"volts", "volts"},   {"minutes", "seconds"}, {"hours", "seconds"},
    {"days", "seconds"},    {"weeks", "seconds"}, {"kelvins", "kelvin"}, {"fahrenheit", "celsius"},
    {"rankine", "celsius"}, {"inches", "meters"}, {"yards", "meters"},  {"miles", "meters"},
    {"bits", "bytes"},      {"calories", "joules"}, {"pounds", "grams"}, {"ounces", "grams"},
};
constexpr std::string_view kUnitPrefixes[] = {"pico", "nano", "micro", "milli", "centi", "deci", "deca",
                                              "hecto", "kilo", "kibi", "mega", "mibi", "giga", "gibi",
                                              "tera", "tebi", "peta", "pebi", ""};
constexpr std::string_view kAbbreviations[] = {"s", "ms", "us", "ns", "sec", "b", "kb",
                                               "mb", "gb", "tb", "pb", "m", "h", "d"};
// "_type_" and the "_type" suffix promlint looks for, lower case.
constexpr std::string_view kTypeNames[][2] = {{"_counter_", "_counter"},
                                              {"_gauge_", "_gauge"},
                                              {"_summary_", "_summary"},
                                              {"_histogram_", "_histogram"},
                                              {"_gauge_histogram_", "_gauge_histogram"}};

bool CamelCase(std::string_view s) {
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i - 1] >= 'a' && s[i - 1] <= 'z' && s[i] >= 'A' && s[i] <= 'Z') return true;
  }
  return false;
}

// promlint's rules, with its exact texts (client_golang 1.14, as promtool 2.42
// runs them). It runs once per family and builds few strings.
void Promlint(const FamilyState& f, bool openmetrics, std::vector<Problem>* out) {
  const std::string& name = f.name;
  const MetricType t = f.type;
  auto add = [&](Kind kind, std::string text) { out->push_back({kind, name, std::move(text)}); };
  if (!f.has_help) add(Kind::kHelp, "no help text");

  // Units: promlint tries each unit (a Go map, so in random order) with each
  // prefix, the bare unit last, against the words of the name; with several
  // units in one name, promtool names one at random. Here the first in
  // promlint's source order wins. Abbreviations: a word after the first, in
  // any case.
  std::size_t unit = std::size(kUnitOrder), prefix = 0;
  bool abbreviation[std::size(kAbbreviations)] = {};
  for (std::size_t start = 0, first = 1;; first = 0) {
    const std::size_t end = std::min(name.find('_', start), name.size());
    const std::string_view word(name.data() + start, end - start);
    for (std::size_t u = 0; word.size() >= 4 /* the shortest unit */ && u < std::size(kUnitOrder) && u <= unit; ++u) {
      const std::string_view base = kUnitOrder[u][0];
      if (!word.ends_with(base)) continue;
      const std::string_view head = word.substr(0, word.size() - base.size());
      const std::size_t p = static_cast<std::size_t>(
          std::find(std::begin(kUnitPrefixes), std::end(kUnitPrefixes), head) - std::begin(kUnitPrefixes));
      if (p < std::size(kUnitPrefixes) && (u < unit || p < prefix)) unit = u, prefix = p;
    }
    if (!first) {
      for (std::size_t a = 0; a < std::size(kAbbreviations); ++a) {
        abbreviation[a] |= EqualsIgnoreCase(word, kAbbreviations[a]);
      }
    }
    if (end == name.size()) break;
    start = end + 1;
  }
  if (unit < std::size(kUnitOrder) && !(kUnitPrefixes[prefix].empty() && kUnitOrder[unit][0] == kUnitOrder[unit][1])) {
    add(Kind::kUnits, "use base unit \"" + std::string(kUnitOrder[unit][1]) + "\" instead of \"" +
                          std::string(kUnitPrefixes[prefix]) + std::string(kUnitOrder[unit][0]) + "\"");
  }

  const bool counter = t == MetricType::kCounter, untyped = t == MetricType::kUntyped;
  const bool total = HasSuffix(name, "_total");
  // An OpenMetrics counter family is named without _total; its samples carry it.
  if (counter && !total && !openmetrics) add(Kind::kCounterSuffix, "counter metrics should have \"_total\" suffix");
  if (!untyped && !counter && total) add(Kind::kCounterSuffix, "non-counter metrics should not have \"_total\" suffix");

  if (!untyped) {
    const bool histogram = t == MetricType::kHistogram, summary = t == MetricType::kSummary;
    if (!histogram && HasSuffix(name, "_bucket")) add(Kind::kReserved, "non-histogram metrics should not have \"_bucket\" suffix");
    if (!histogram && !summary && HasSuffix(name, "_count")) {
      add(Kind::kReserved, "non-histogram and non-summary metrics should not have \"_count\" suffix");
    }
    if (!histogram && !summary && HasSuffix(name, "_sum")) {
      add(Kind::kReserved, "non-histogram and non-summary metrics should not have \"_sum\" suffix");
    }
  }
  if (f.detail) {
    for (const auto& [text, count] : f.detail->label_problems) {
      const Kind kind = std::strstr(text, "snake_case") ? Kind::kSnakeCase : Kind::kReserved;
      for (std::uint32_t i = 0; i < count; ++i) add(kind, text);
    }
  }
  // The name in lower case, on the stack unless it is long.
  char buffer[256];
  std::string long_lower;
  std::string_view lower;
  if (name.size() <= sizeof buffer) {
    for (std::size_t i = 0; i < name.size(); ++i) {
      buffer[i] = name[i] >= 'A' && name[i] <= 'Z' ? static_cast<char>(name[i] - 'A' + 'a') : name[i];
    }
    lower = std::string_view(buffer, name.size());
  } else {
    long_lower = ToLower(name);
    lower = long_lower;
  }
  for (const auto& type : kTypeNames) {
    if (lower.find(type[0]) != std::string_view::npos || lower.ends_with(type[1])) {
      add(Kind::kReserved, "metric name should not include type '" + std::string(type[1].substr(1)) + "'");
    }
  }
  if (name.find(':') != std::string::npos) add(Kind::kReserved, "metric names should not contain ':'");
  if (CamelCase(name)) add(Kind::kSnakeCase, "metric names should be written in 'snake_case' not 'camelCase'");
  for (std::size_t a = 0; a < std::size(kAbbreviations); ++a) {
    if (abbreviation[a]) add(Kind::kUnits, "metric names should not contain abbreviated units");
  }
}

// The start of the input's line at an offset (up to a newline or kQuotedBytes),
// to quote in a message once the line itself has gone; null where the input
// cannot be read again (the lines to quote are then kept as they go by).
constexpr std::size_t kQuotedBytes = 1024;
constexpr std::size_t kQuotedChars = 70;
using LineAt = std::function<std::string(std::uint64_t offset)>;

class Analyzer final : public Handler {
 public:
  Analyzer(Format format, const AnalyzeOptions& options, Analysis* out, LineAt line_at)
      : format_(format), om_(format == Format::kOpenMetrics), options_(options), out_(out), line_at_(std::move(line_at)) {}

  void OnHelp(std::string_view name, std::string_view help, std::uint32_t line) override {
    FamilyState* f = Metadata(name, line, "HELP");
    if (!f) return;
    if (f->help_set) return Fatal(line, "second HELP line for metric name \"" + std::string(name) + "\"");
    f->help_set = true;
    f->has_help = !help.empty();  // an empty OpenMetrics HELP counts as none
  }

  void OnType(std::string_view name, MetricType type, std::uint32_t line) override {
    FamilyState* f = Metadata(name, line, "TYPE");
    if (!f) return;
    if (f->type_set) {
      return Fatal(line, "second TYPE line for metric name \"" + std::string(name) + "\", or TYPE reported after samples");
    }
    f->type_set = true;
    f->typed = true;
    f->type = type;
  }

  void OnUnit(std::string_view name, std::string_view unit, std::uint32_t line) override {
    FamilyState* f = Metadata(name, line, "UNIT");
    if (!f) return;
    if (f->unit_set) return Fatal(line, "second UNIT line for metric name \"" + std::string(name) + "\"");
    f->unit_set = true;
    f->unit_line = line;
    if (!unit.empty() && !HasSuffix(name, "_" + std::string(unit))) {
      return Fatal(line, "metric name \"" + std::string(name) + "\" must end with its unit \"_" + std::string(unit) + "\"");
    }
    if (!unit.empty()) f->Detail().unit = std::string(unit);
  }

  void OnSample(const Sample& s) override { OnSample(s, hasher_.Of(s)); }

  // A sample whose series the parsing thread has hashed.
  void OnSample(const Sample& s, const SampleKeys& keys) {
    // What this sample shares with the previous one is known, if that one got
    // as far as its labels: its name leads to the same family, and the le or
    // quantile label is among the shared labels only where it was.
    const std::size_t known = std::min<std::size_t>(s.shared_labels, std::exchange(seen_labels_, 0));
    const bool names_matched = std::exchange(names_match_shape_, false);
    FamilyState* f = nullptr;
    if (known > 0 && !om_) {
      f = seen_family_;
      last_name_ = s.name;
      last_family_ = f;
      Enter(f, s.line);
    } else {
      f = om_ ? OmFamilyOf(s) : TextFamilyOf(s.name, s.line);
    }
    if (!f || error_) return;
    if (!f->type_set) f->type_set = true;  // a later TYPE is an error, as in the reference parser
    if (f->samples++ == 0) {
      f->first_value = s.value;
      for (std::size_t i = 0; i < s.label_count; ++i) {
        if (s.labels[i].name == "version") f->Detail().first_version = Unescape(s.labels[i].value);
      }
    }
    if (s.has_exemplar) {
      ++f->exemplars;
      for (std::size_t i = 0; i < s.exemplar.label_count; ++i) {
        const std::string_view name = s.exemplar.labels[i].name;
        if (name == "trace_id" || name == "traceID" || name == "traceId") {
          ++f->exemplars_with_trace_id;
          break;
        }
      }
    }
    const MetricType t = f->type;
    const bool histogram = t == MetricType::kHistogram || t == MetricType::kGaugeHistogram;
    const bool summary = t == MetricType::kSummary;
    const std::string_view special = histogram ? "le" : summary ? "quantile" : "";

    // The series and its le/quantile-less signature.
    const Label* special_label = nullptr;
    const std::size_t special_at = special == special_name_ ? special_at_ : std::string_view::npos;
    if (special_at < known) {
      special_label = &s.labels[special_at];
    } else if (!special.empty()) {
      for (std::size_t i = known; i < s.label_count && !special_label; ++i) {
        if (s.labels[i].name == special) special_label = &s.labels[i];
      }
    }
    seen_labels_ = s.label_count;
    seen_family_ = f;
    special_name_ = special;
    special_at_ = special_label ? static_cast<std::size_t>(special_label - s.labels) : std::string_view::npos;
    const std::uint64_t labels_hash = keys.labels_hash;
    const std::uint64_t signature = Mix(labels_hash - (special_label ? LabelHash(*special_label) : 0));

    // Duplicates: the set insert runs one sample late so that its cache miss
    // overlaps with the next sample's work.
    const std::uint64_t key = keys.key;
    series_.Prefetch(key);
    FlushPendingSeries();
    pending_ = Pending{key, f, s.text, s.line, true};

    // Metrics as the reference parser groups them; label-based lint per metric.
    bool new_metric = true;
    if (histogram || summary) {
      FamilyDetail& d = f->Detail();
      new_metric = signature != d.last_signature && d.signatures.Insert(signature);
      d.last_signature = signature;
    }
    if (new_metric && SameLabelNames(*f, s, names_matched ? known : 0)) {
      // Same label names as the family's previous metric: same findings.
      ++f->metrics;
      for (const char* text : shape_problems_) CountLabelProblem(f, text);
    } else if (new_metric) {
      ++f->metrics;
      shape_family_ = f;
      shape_names_.resize(s.label_count);
      shape_problems_.clear();
      // A copy: the sample's views do not outlive the piece of input it came in.
      shape_storage_.clear();
      for (std::size_t i = 0; i < s.label_count; ++i) shape_storage_ += s.labels[i].name;
      for (std::size_t i = 0, at = 0; i < s.label_count; at += s.labels[i++].name.size()) {
        shape_names_[i] = std::string_view(shape_storage_).substr(at, s.labels[i].name.size());
      }
      for (std::size_t i = 0; i < s.label_count; ++i) {
        const std::string_view ln = s.labels[i].name;
        if (ln == special) continue;
        if (options_.family_summaries) {
          std::vector<std::string>& names = f->Detail().label_names;
          if (std::find(names.begin(), names.end(), ln) == names.end()) names.emplace_back(ln);
        }
        if (t != MetricType::kUntyped) {
          if (!histogram && ln == "le") shape_problems_.push_back("non-histogram metrics should not have \"le\" label");
          if (!summary && ln == "quantile") {
            shape_problems_.push_back("non-summary metrics should not have \"quantile\" label");
          }
        }
        if (CamelCase(ln)) shape_problems_.push_back("label names should be written in 'snake_case' not 'camelCase'");
        if (StartsWith(ln, "__")) {
          Extra(Kind::kReserved, f->name, [&] { return "label name \"" + std::string(ln) + "\" is reserved for internal use (starts with __)"; });
        }
      }
      for (const char* text : shape_problems_) CountLabelProblem(f, text);
    }
    names_match_shape_ = new_metric;
    if (options_.keep_label_values > 0) {
      for (std::size_t i = 0; i < s.label_count; ++i) {
        auto& values = out_->label_values[std::string(s.labels[i].name)];
        if (values.size() <= options_.keep_label_values &&
            std::find(values.begin(), values.end(), s.labels[i].value) == values.end()) {
          values.emplace_back(s.labels[i].value);
        }
      }
    }
    if (options_.keep_counter_values && t == MetricType::kCounter) {
      if (f->counter_family < 0) {
        f->counter_family = static_cast<std::int64_t>(out_->counter_families.size());
        out_->counter_families.push_back(f->name);
      }
      out_->counter_values.push_back({key, s.value, static_cast<std::uint32_t>(f->counter_family)});
    }
    if (options_.name_series && options_.name_series->count(key)) out_->series_names[key] = SeriesKey(s);
    if (om_) {
      CheckOmSample(*f, s, labels_hash, signature, key, special_label);
    } else {
      if (histogram) ObserveHistogram(f, s, signature, special_label);
      if (summary) ObserveSummary(f, s, special_label);
    }
  }

  // Sizes the series set for an exposition of `bytes`: a sample line has
  // some 60 to 200 bytes, and growing the set step by step moves every key.
  void ExpectBytes(std::size_t bytes) { series_.Reserve(std::min<std::size_t>(bytes / 128, std::size_t{1} << 20)); }

  std::optional<ParseError> TakeError() override { return std::exchange(error_, std::nullopt); }

  // Nothing may point into the piece of input read so far once it is gone.
  // The pending series keeps its line (flushing it now would report its
  // duplicate ahead of what the next sample reports first). The series
  // hasher is the parsing thread's, which tells it.
  void OnPieceDone() override {
    if (pending_.set) {
      pending_text_.assign(pending_.text.data(), pending_.text.size());
      pending_.text = pending_text_;
    }
    last_name_ = {};
    last_family_ = nullptr;
  }
  // The series set's slot for a sample to come.
  void Prefetch(std::uint64_t key) const { series_.Prefetch(key); }

  void Finish() {
    if (om_) {
      if (current_) CloseOmFamily(*current_);
      if (error_) {
        out_->error = std::move(error_);
        return;
      }
    }
    FlushPendingSeries();
    for (std::size_t i = 0; i < families_.size(); ++i) {
      FamilyState& f = families_[i];
      if (f.samples == 0) continue;  // metadata only: the reference parser drops it
      Promlint(f, om_, &out_->problems);
      FinishHistograms(f);
      if (f.series > options_.max_series_per_family) {
        Extra(Kind::kCardinality, f.name, [&] { return
              "has " + std::to_string(f.series) + " series, more than the budget of " +
                  std::to_string(options_.max_series_per_family) + " per family"; });
      }
      if (options_.family_summaries) out_->families.push_back(std::move(f).Summary());
    }
    std::stable_sort(out_->problems.begin(), out_->problems.end(), [](const Problem& a, const Problem& b) {
      return a.metric == b.metric ? a.text < b.text : a.metric < b.metric;
    });
    out_->total_series = series_.size();
    if (series_.size() > options_.max_series_total) {
      extra_.push_back({Kind::kCardinality, "(all)",
                        "the exposition has " + std::to_string(series_.size()) + " series, more than the budget of " +
                            std::to_string(options_.max_series_total)});
    }
    for (Problem& p : extra_) out_->problems.push_back(std::move(p));
  }

 private:
  void Fatal(std::uint32_t line, std::string message) {
    if (!error_) error_ = ParseError{line, 1, std::move(message)};
  }

  // Adds a Probity finding unless the family already has enough of that
  // kind; `text` is only built when it will be kept.
  template <typename MakeText>
  void Extra(Kind kind, const std::string& metric, MakeText make_text) {
    if (++extra_count_[metric + "\x1f" + std::to_string(static_cast<int>(kind))] > kMaxExtraPerFamily) return;
    extra_.push_back({kind, metric, std::string(make_text())});
  }

  // Whether the sample has the label names of the family's last new metric.
  // `known`: how many of its first label names are already known to match.
  bool SameLabelNames(const FamilyState& f, const Sample& s, std::size_t known) const {
    if (shape_family_ != &f || f.metrics == 0 || shape_names_.size() != s.label_count) return false;
    for (std::size_t i = known; i < s.label_count; ++i) {
      if (shape_names_[i] != s.labels[i].name) return false;
    }
    return true;
  }

  void CountLabelProblem(FamilyState* f, const char* text) {
    auto& problems = f->Detail().label_problems;
    for (auto& [t, count] : problems) {
      if (t == text) {
        ++count;
        return;
      }
    }
    problems.emplace_back(text, 1);
  }

  FamilyState* Create(std::string_view name, std::uint32_t line) {
    FamilyState* raw = &families_.Add();
    raw->name = std::string(name);
    raw->first_line = line;
    raw->index = static_cast<std::uint32_t>(families_.size() - 1);
    index_.Insert(Hash(name), raw->index, 0);
    if (om_ && name[0] == '_') {
      Fatal(line, "metric family name \"" + std::string(name) + "\" starts with an underscore, which OpenMetrics reserves");
    }
    return raw;
  }

  FamilyState* Lookup(std::string_view name) {
    const std::int64_t i = index_.Find(name, Hash(name), families_);
    return i < 0 ? nullptr : &families_[static_cast<std::size_t>(i)];
  }

  // Notes that `f` is now the family being read; flags interleaving.
  void Enter(FamilyState* f, std::uint32_t line) {
    if (current_ == f) return;
    if (current_) {
      current_->closed = true;
      if (om_) CloseOmFamily(*current_);
    }
    if (f->closed && !f->reported_interleave) {
      f->reported_interleave = true;
      if (om_) {
        Fatal(line, "metric family \"" + f->name + "\" is interleaved with another family");
      } else {
        Extra(Kind::kValidity, f->name, [&] { return
              "family is not contiguous: it continues at line " + std::to_string(line) + " after other families"; });
      }
    }
    current_ = f;
  }

  // The reference text parser's grouping (expfmt's setOrCreateCurrentMF).
  FamilyState* TextFamilyOf(std::string_view name, std::uint32_t line) {
    if (name == last_name_ && last_family_) {
      Enter(last_family_, line);
      return last_family_;
    }
    const std::uint64_t hash = Hash(name);
    if (const std::int64_t cached = by_sample_name_.Find(name, hash, families_); cached >= 0) {
      last_name_ = name;
      last_family_ = &families_[static_cast<std::size_t>(cached)];
      Enter(last_family_, line);
      return last_family_;
    }
    FamilyState* f = Lookup(name);
    if (!f) {
      for (std::string_view suffix : {"_count", "_sum"}) {
        if (HasSuffix(name, suffix)) {
          FamilyState* base = Lookup(name.substr(0, name.size() - suffix.size()));
          if (base && base->type == MetricType::kSummary) f = base;
        }
      }
    }
    if (!f) {
      for (std::string_view suffix : {"_bucket", "_count", "_sum"}) {
        if (HasSuffix(name, suffix)) {
          FamilyState* base = Lookup(name.substr(0, name.size() - suffix.size()));
          if (base && base->type == MetricType::kHistogram) f = base;
        }
      }
    }
    if (!f) f = Create(name, line);
    // Once a name maps to a family it keeps mapping there: exact names win.
    const std::string_view suffix = name.substr(f->name.size());
    by_sample_name_.Insert(hash, f->index, static_cast<std::uint32_t>(
        std::find(std::begin(NameTable::kSuffixes), std::end(NameTable::kSuffixes), suffix) - std::begin(NameTable::kSuffixes)));
    last_name_ = name;
    last_family_ = f;
    Enter(f, line);
    return f;
  }

  FamilyState* Metadata(std::string_view name, std::uint32_t line, const char* what) {
    if (!om_) {
      last_family_ = nullptr;
      last_name_ = {};
      return TextFamilyOf(name, line);
    }
    FamilyState* f = Lookup(name);
    if (f && f != current_) {
      Fatal(line, std::string(what) + " for metric family \"" + std::string(name) + "\" after other families");
      return nullptr;
    }
    if (f && f->samples > 0) {
      // The same metadata a second time, after samples, is what two families
      // that OpenMetrics names alike look like (client_golang's gauge
      // go_memstats_alloc_bytes beside its counter go_memstats_alloc_bytes_total).
      const bool again = (std::string_view(what) == "HELP" && f->help_set) ||
                         (std::string_view(what) == "TYPE" && f->typed);
      Fatal(line, std::string(what) + " for metric family \"" + std::string(name) + "\" after its samples" +
                      (again ? ": a second family of that name (in OpenMetrics a counter's name has no _total)" : ""));
      return nullptr;
    }
    if (!f) f = Create(name, line);
    Enter(f, line);
    return f;
  }

  static bool OmSampleBelongs(const FamilyState& f, std::string_view sample) {
    const std::string& n = f.name;
    if (!StartsWith(sample, n)) return false;
    const std::string_view suffix = sample.substr(n.size());
    switch (f.type) {
      case MetricType::kCounter: return suffix == "_total" || suffix == "_created";
      case MetricType::kHistogram: return suffix == "_bucket" || suffix == "_count" || suffix == "_sum" || suffix == "_created";
      case MetricType::kGaugeHistogram: return suffix == "_bucket" || suffix == "_gcount" || suffix == "_gsum";
      case MetricType::kSummary: return suffix.empty() || suffix == "_count" || suffix == "_sum" || suffix == "_created";
      case MetricType::kInfo: return suffix == "_info";
      default: return suffix.empty();
    }
  }

  // A sample that cannot be part of the current family starts a new one
  // (of type unknown), unless its name is the current family's own.
  FamilyState* OmFamilyOf(const Sample& s) {
    if (current_ && OmSampleBelongs(*current_, s.name)) return current_;
    FamilyState* f = Lookup(s.name);
    if (f && f == current_) {
      Fatal(s.line, "sample \"" + std::string(s.name) + "\" does not belong to family \"" + current_->name +
                        "\" of type " + std::string(MetricTypeName(current_->type, format_)));
      return nullptr;
    }
    if (!f) {
      // A family read before may own this sample name: it continues here.
      auto owner = om_sample_names_.find(std::string(s.name));
      if (owner != om_sample_names_.end() && OmSampleBelongs(*owner->second, s.name)) f = owner->second;
    }
    if (!f) f = Create(s.name, s.line);
    Enter(f, s.line);
    return error_ ? nullptr : f;
  }

  static bool IsCount(double v) { return v >= 0 && std::isfinite(v) && v == std::floor(v); }

  // OpenMetrics rules for one sample and for the Metric and MetricPoint it
  // belongs to. `metric` identifies the Metric: its labels without le/quantile.
  void CheckOmSample(FamilyState& f, const Sample& s, std::uint64_t labels_hash, std::uint64_t metric,
                     std::uint64_t key, const Label* special) {
    const MetricType t = f.type;
    const std::string& family = f.name;
    const std::string_view suffix = s.name.substr(std::min(family.size(), s.name.size()));
    const bool histogram = t == MetricType::kHistogram || t == MetricType::kGaugeHistogram;
    auto at = [&](std::string message) { Fatal(s.line, std::move(message)); };
    auto quoted = [](std::string_view text) { return "\"" + Excerpt(text, 60) + "\""; };

    auto reserved = [&](const Label* labels, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) {
        if (labels[i].name[0] == '_') {
          at("label name " + quoted(labels[i].name) + " starts with an underscore, which OpenMetrics reserves");
          return true;
        }
      }
      return false;
    };
    if (reserved(s.labels, s.label_count) || (s.has_exemplar && reserved(s.exemplar.labels, s.exemplar.label_count))) return;
    if (s.has_exemplar) {
      const bool allowed = (t == MetricType::kCounter && suffix == "_total") || (histogram && suffix == "_bucket");
      if (!allowed) return at("exemplars are only allowed on counter _total and histogram _bucket samples");
      if (s.exemplar.label_chars > 128) {
        return at("exemplar labels have " + std::to_string(s.exemplar.label_chars) +
                  " characters, more than the 128 OpenMetrics allows");
      }
    }

    // Per sample: what its type allows.
    const Label* state = nullptr;
    switch (t) {
      case MetricType::kCounter:
        if (suffix == "_total" && !(s.value >= 0)) return at("counter value must be a non-negative number");
        break;
      case MetricType::kInfo:
        if (s.value != 1) return at("info metric value must be 1");
        break;
      case MetricType::kStateSet:
        if (s.value != 0 && s.value != 1) return at("stateset value must be 0 or 1");
        for (std::size_t i = 0; i < s.label_count; ++i) {
          if (s.labels[i].name == family) state = &s.labels[i];
        }
        if (!state) return at("stateset sample needs a label named after its family");
        metric = Mix(labels_hash - LabelHash(*state));
        break;
      case MetricType::kHistogram:
      case MetricType::kGaugeHistogram:
        if (suffix == "_bucket" && !special) return at("histogram bucket without an le label");
        if (suffix != "_bucket" && special) {
          return at("le label on " + quoted(s.name) + ": only the _bucket samples of a histogram have one");
        }
        break;
      case MetricType::kSummary:
        if (suffix.empty() && !special) return at("summary sample " + quoted(s.name) + " without a quantile label");
        if (!suffix.empty() && special) {
          return at("quantile label on " + quoted(s.name) + ": only the quantile samples of a summary have one");
        }
        break;
      default:
        break;
    }
    if (suffix == "_created" && !std::isfinite(s.value)) {
      return at("_created must be a timestamp (a finite number of seconds), got " + FormatNumber(s.value));
    }

    // Per Metric: contiguous samples, MetricPoints in increasing timestamp order.
    if (point_.open && point_.metric != metric) EndPoint();
    if (error_) return;
    if (!point_.open) {
      if (!f.Detail().om_metrics.Insert(metric)) {
        return at("the samples of one Metric of \"" + family + "\" are interleaved with another Metric's");
      }
      StartPoint(f, metric, s);
    } else if (s.has_timestamp != point_.has_timestamp) {
      return at("within one Metric, either every sample has a timestamp or none has");
    } else if (s.has_timestamp) {
      const int order = s.timestamp != point_.timestamp ? (s.timestamp < point_.timestamp ? -1 : 1)
                        : s.timestamp_text == point_.timestamp_text ? 0
                                                                     : CompareRealNumbers(s.timestamp_text, point_.timestamp_text);
      if (order < 0) return at("timestamp goes backwards: a Metric's MetricPoints must be in increasing timestamp order");
      if (order > 0) {
        EndPoint();
        if (error_) return;
        StartPoint(f, metric, s);
      }
    }
    if (!point_.AddSample(key)) {
      return at("sample " + quoted(s.text) + " appears twice in one MetricPoint (a Metric's MetricPoints need increasing timestamps)");
    }

    // Per MetricPoint: histogram and summary values.
    if (t == MetricType::kCounter && suffix == "_total") point_.has_total = true;
    if (histogram) {
      if (suffix == "_bucket") {
        double le = 0;
        if (!ParseFloatValue(special->value, &le)) {
          return at("expected float as value for 'le' label, got \"" + Excerpt(special->value, 40) + "\"");
        }
        if (std::isnan(le)) return at("bucket threshold le must not be NaN");
        if (le > 0 && std::isinf(le) && special->value != "+Inf") {
          return at("the +Inf bucket must be written le=\"+Inf\", not le=" + quoted(special->value));
        }
        if (point_.any_bucket && !(le > point_.last_le)) return at("buckets must be sorted by increasing le, each le once");
        if (!IsCount(s.value)) return at("bucket value must be a non-negative integer, got " + FormatNumber(s.value));
        if (point_.any_bucket && s.value < point_.last_bucket) {
          return at("bucket values must be cumulative: this bucket counts less than the one before");
        }
        if (s.has_exemplar && !(s.exemplar.value <= le)) {
          return at("exemplar value " + FormatNumber(s.exemplar.value) + " is outside its bucket (le=" +
                    quoted(special->value) + ")");
        }
        point_.any_bucket = true;
        point_.last_le = le;
        point_.last_bucket = s.value;
        point_.negative_bucket |= le < 0;
        if (std::isinf(le) && le > 0) {
          point_.has_inf = true;
          point_.inf_value = s.value;
        }
      } else if (suffix == "_count" || suffix == "_gcount") {
        if (!IsCount(s.value)) return at(std::string(suffix) + " must be a non-negative integer, got " + FormatNumber(s.value));
        point_.has_count = true;
        point_.count = s.value;
      } else if (suffix == "_sum") {
        if (!(s.value >= 0)) return at("histogram _sum must not be NaN or negative");
        point_.has_sum = true;
      } else if (suffix == "_gsum") {
        if (std::isnan(s.value)) return at("gaugehistogram _gsum must not be NaN");
        point_.has_sum = true;
        point_.sum = s.value;
      }
    } else if (t == MetricType::kSummary) {
      if (suffix.empty()) {
        double q = 0;
        if (!ParseFloatValue(special->value, &q)) {
          return at("expected float as value for 'quantile' label, got \"" + Excerpt(special->value, 40) + "\"");
        }
        if (!(q >= 0 && q <= 1)) return at("quantile " + quoted(special->value) + " is outside 0..1");
        if (s.value < 0) return at("quantile value must not be negative");
      } else if (suffix == "_count") {
        if (!IsCount(s.value)) return at("summary _count must be a non-negative integer");
      } else if (suffix == "_sum") {
        if (!(s.value >= 0)) return at("summary _sum must not be NaN or negative");
      }
    }
  }

  void StartPoint(FamilyState& f, std::uint64_t metric, const Sample& s) {
    point_.Reset();
    point_.open = true;
    point_.family = &f;
    point_.metric = metric;
    point_.line = s.line;
    point_.has_timestamp = s.has_timestamp;
    point_.timestamp = s.timestamp;
    point_.timestamp_text.assign(s.timestamp_text.data(), s.timestamp_text.size());
  }

  // The rules of a whole MetricPoint, checked once its last sample is read.
  void EndPoint() {
    if (!point_.open) return;
    point_.open = false;
    const OmPoint& p = point_;
    const FamilyState& f = *p.family;
    const MetricType t = f.type;
    auto at = [&](const std::string& message) {
      Fatal(p.line, std::string(MetricTypeName(t, format_)) + " \"" + f.name + "\" has a MetricPoint " + message);
    };
    if (t == MetricType::kCounter && !p.has_total) return at("without a _total sample");
    if (t != MetricType::kHistogram && t != MetricType::kGaugeHistogram) return;
    const bool gauge = t == MetricType::kGaugeHistogram;
    const std::string count = gauge ? "_gcount" : "_count", sum = gauge ? "_gsum" : "_sum";
    if (!p.any_bucket) return at("without buckets");
    if (!p.has_inf) return at("without an le=\"+Inf\" bucket");
    if (p.has_sum && !p.has_count) return at("with " + sum + " but no " + count);
    if (p.has_count && !p.has_sum) return at("with " + count + " but no " + sum + " (OpenMetrics has " + count + " only beside " + sum + ")");
    if (p.has_count && p.count != p.inf_value) {
      return at("whose " + count + " (" + FormatNumber(p.count) + ") differs from its +Inf bucket (" + FormatNumber(p.inf_value) + ")");
    }
    if (!gauge && p.negative_bucket && p.has_sum) return at("with negative buckets and a _sum (it must have none)");
    if (gauge && p.has_sum && p.sum < 0 && !p.negative_bucket) return at("with a negative _gsum but no negative bucket");
  }

  // A family is complete: its last MetricPoint, its unit, and its sample
  // names against every other family's.
  void CloseOmFamily(FamilyState& f) {
    if (point_.open && point_.family == &f) EndPoint();
    if (error_) return;
    const MetricType t = f.type;
    if (!f.unit().empty() && (t == MetricType::kInfo || t == MetricType::kStateSet)) {
      return Fatal(f.unit_line, std::string(MetricTypeName(t, format_)) + " family \"" + f.name +
                                    "\" must have no unit, got \"" + std::string(f.unit()) + "\"");
    }
    for (std::string_view suffix : OmSuffixes(t)) {
      std::string sample = f.name;
      sample += suffix;
      auto [it, inserted] = om_sample_names_.emplace(sample, &f);
      if (!inserted && it->second != &f) {
        const FamilyState& other = *it->second;
        return Fatal(f.first_line, "metric families \"" + other.name + "\" (" +
                                               std::string(MetricTypeName(other.type, format_)) + ") and \"" +
                                               f.name + "\" (" + std::string(MetricTypeName(t, format_)) +
                                               ") clash: both may have samples named \"" + sample + "\"");
      }
    }
  }

  // The sample names a family of type `t` may use, as suffixes of its name.
  static std::vector<std::string_view> OmSuffixes(MetricType t) {
    switch (t) {
      case MetricType::kCounter: return {"", "_total", "_created"};
      case MetricType::kHistogram: return {"", "_bucket", "_count", "_sum", "_created"};
      case MetricType::kGaugeHistogram: return {"", "_bucket", "_gcount", "_gsum"};
      case MetricType::kSummary: return {"", "_count", "_sum", "_created"};
      case MetricType::kInfo: return {"", "_info"};
      default: return {""};
    }
  }

  std::string SeriesKey(const Sample& s) const {
    std::vector<std::pair<std::string_view, std::string_view>> labels;
    for (std::size_t i = 0; i < s.label_count; ++i) labels.emplace_back(s.labels[i].name, s.labels[i].value);
    std::sort(labels.begin(), labels.end());
    std::string key(s.name);
    key += '{';
    for (const auto& [n, v] : labels) key += std::string(n) + "=\"" + std::string(v) + "\",";
    key += '}';
    return key;
  }

  void ObserveHistogram(FamilyState* f, const Sample& s, std::uint64_t signature, const Label* le) {
    FamilyDetail& d = f->Detail();
    HistogramSeries* series = d.last_histogram;
    if (!series || d.last_histogram_signature != signature) {
      auto [it, inserted] = d.histogram_index.emplace(signature, static_cast<std::uint32_t>(d.histograms.size()));
      if (inserted) {
        d.histograms.emplace_back();
        d.histograms.back().first_offset = s.offset;
        if (!line_at_) d.histogram_quotes.push_back(Excerpt(s.text.substr(0, kQuotedBytes), kQuotedChars));
      }
      series = &d.histograms[it->second];
      d.last_histogram = series;
      d.last_histogram_signature = signature;
    }
    const std::string& base = f->name;
    const std::string_view suffix = s.name.substr(std::min(base.size(), s.name.size()));
    if (suffix == "_bucket") {
      double bound = 0;
      if (!le) {
        if (om_) return Fatal(s.line, "histogram bucket without an le label");
        return Extra(Kind::kHistogram, base, [&] {
          return "histogram bucket without an le label at line " + std::to_string(s.line);
        });
      }
      if (!ParseFloatValue(le->value, &bound)) {
        return Fatal(s.line, "expected float as value for 'le' label, got \"" + Excerpt(le->value, 40) + "\"");
      }
      if (series->any_bucket) {
        if (!(bound > series->last_le)) series->unsorted = true;
        if (s.value < series->last_count) series->decreasing = true;
      }
      series->any_bucket = true;
      series->last_le = bound;
      series->last_count = s.value;
      if (std::isinf(bound) && bound > 0) {
        series->has_inf = true;
        series->inf_count = s.value;
      }
    } else if (suffix == "_sum" || suffix == "_gsum") {
      series->has_sum = true;
      series->sum = s.value;
    } else if (suffix == "_count" || suffix == "_gcount") {
      series->has_count = true;
      series->count = s.value;
    }
  }

  void ObserveSummary(FamilyState* f, const Sample& s, const Label* quantile) {
    if (!quantile) return;
    double q = 0;
    if (!ParseFloatValue(quantile->value, &q)) {
      return Fatal(s.line, "expected float as value for 'quantile' label, got \"" + Excerpt(quantile->value, 40) + "\"");
    }
    if (!(q >= 0 && q <= 1) && f->Detail().bad_quantiles++ == 0) f->detail->first_bad_quantile = std::string(quantile->value);
  }

  void FinishHistograms(FamilyState& f) {
    const std::string& name = f.name;
    if (!f.detail) return;
    const FamilyDetail& d = *f.detail;
    if (d.bad_quantiles > 0) {
      Extra(Kind::kHistogram, name, [&] { return "summary quantile \"" + d.first_bad_quantile + "\" is outside 0..1"; });
    }
    for (std::size_t i = 0; i < d.histograms.size(); ++i) {
      const HistogramSeries& h = d.histograms[i];
      // Quoting the series re-reads its line from the input: only when a problem is kept.
      const auto where = [&] {
        return "histogram series \"" + (line_at_ ? Excerpt(line_at_(h.first_offset), kQuotedChars) : d.histogram_quotes[i]) + "\" ";
      };
      if (!h.any_bucket) {
        Extra(Kind::kHistogram, name, [&] { return where() + "has no buckets"; });
        continue;
      }
      if (h.unsorted) Extra(Kind::kHistogram, name, [&] { return where() + "has buckets out of order or with a repeated le"; });
      if (h.decreasing) Extra(Kind::kHistogram, name, [&] { return where() + "has bucket counts that decrease as le grows"; });
      if (!h.has_inf) Extra(Kind::kHistogram, name, [&] { return where() + "has no le=\"+Inf\" bucket"; });
      if (!h.has_count) Extra(Kind::kHistogram, name, [&] { return where() + "has no _count"; });
      if (h.has_inf && h.has_count && h.inf_count != h.count) {
        Extra(Kind::kHistogram, name, [&] { return where() + "has a +Inf bucket (" + FormatSeconds(h.inf_count) +
                                          ") that differs from _count (" + FormatSeconds(h.count) + ")"; });
      }
      if (h.has_sum && std::isnan(h.sum)) Extra(Kind::kHistogram, name, [&] { return where() + "has a NaN _sum"; });
    }
  }

  struct Pending {
    std::uint64_t key = 0;
    FamilyState* family = nullptr;
    std::string_view text;
    std::uint32_t line = 0;
    bool set = false;
  };

  void FlushPendingSeries() {
    if (!pending_.set) return;
    pending_.set = false;
    if (series_.Insert(pending_.key)) {
      ++pending_.family->series;
    } else if (!om_) {  // OpenMetrics: a repeat is a later MetricPoint, or an error already
      Extra(Kind::kDuplicate, pending_.family->name, [&] { return
            "series appears more than once (line " + std::to_string(pending_.line) + ": \"" +
                Excerpt(pending_.text, 100) + "\")"; });
    }
  }

  static constexpr int kMaxExtraPerFamily = 10;
  Format format_;
  bool om_;
  const AnalyzeOptions& options_;
  Analysis* out_;
  LineAt line_at_;
  std::optional<ParseError> error_;
  FamilyStore families_;
  NameTable index_;  // by family name
  FamilyState* current_ = nullptr;
  FamilyState* last_family_ = nullptr;
  NameTable by_sample_name_;  // by the sample names seen so far
  std::string_view last_name_;
  KeySet series_;
  SeriesHasher hasher_;  // when the parser is on this thread
  Pending pending_;
  std::string pending_text_;  // its line, once the piece it was in is gone
  // The label names of the last new metric of `shape_family_` (copied), and
  // the promlint findings they gave.
  const FamilyState* shape_family_ = nullptr;
  std::vector<std::string_view> shape_names_;  // into shape_storage_
  std::string shape_storage_;
  std::vector<const char*> shape_problems_;
  // How many labels the previous sample had and its family, once it got as
  // far as its labels, and which of them was the le or quantile one.
  std::size_t seen_labels_ = 0;
  FamilyState* seen_family_ = nullptr;
  // The previous sample was a new metric whose label names are shape_names_.
  bool names_match_shape_ = false;
  std::string_view special_name_;
  std::size_t special_at_ = std::string_view::npos;
  std::vector<Problem> extra_;
  std::unordered_map<std::string, int> extra_count_;

  // OpenMetrics: the MetricPoint being read, one Metric's samples at one timestamp.
  struct OmPoint {
    bool open = false;
    FamilyState* family = nullptr;
    std::uint64_t metric = 0;
    std::uint32_t line = 0;  // of its first sample
    bool has_timestamp = false;
    double timestamp = 0;
    std::string timestamp_text;
    std::vector<std::uint64_t> samples;  // their keys; a set once there are many
    KeySet many_samples;
    bool has_total = false;
    bool any_bucket = false, has_inf = false, negative_bucket = false, has_sum = false, has_count = false;
    double last_le = 0, last_bucket = 0, inf_value = 0, sum = 0, count = 0;

    void Reset() {
      samples.clear();
      many_samples.Clear();
      has_total = any_bucket = has_inf = negative_bucket = has_sum = has_count = false;
      last_le = last_bucket = inf_value = sum = count = 0;
    }
    // False when the sample is already part of this MetricPoint.
    bool AddSample(std::uint64_t key) {
      if (samples.size() < 32) {
        if (std::find(samples.begin(), samples.end(), key) != samples.end()) return false;
        samples.push_back(key);
        if (samples.size() == 32) {
          for (std::uint64_t k : samples) many_samples.Insert(k);
        }
        return true;
      }
      return many_samples.Insert(key);
    }
  };
  OmPoint point_;
  std::unordered_map<std::string, FamilyState*> om_sample_names_;  // sample name -> the family that may use it
};

// A buffer the parsing thread reads a piece of the input into.
struct Piece {
  std::unique_ptr<char[]> bytes;
  std::size_t capacity = 0;
  // Room for `wanted` bytes at least, keeping the first `keep`.
  void Reserve(std::size_t wanted, std::size_t keep) {
    if (wanted <= capacity) return;
    std::unique_ptr<char[]> larger(new char[wanted]);
    if (keep > 0) std::memcpy(larger.get(), bytes.get(), keep);
    bytes = std::move(larger);
    capacity = wanted;
  }
};

// Writes `count` items of 16-byte multiples to `to` (16-byte aligned) with
// non-temporal stores: they go to memory rather than stay in this core's
// cache, so the other thread reads them without taking each cache line from
// this core, and this core writes the buffer again without taking each line
// back. With ordinary stores that exchange of lines made the parsing thread
// more than twice as slow (see BENCHMARKS.md). Stream() needs a
// StreamFence() before the items are handed over.
template <typename T>
void Stream(T* to, const T* from, std::size_t count) {
  static_assert(sizeof(T) % 16 == 0 && std::is_trivially_copyable_v<T>);
#ifdef __SSE2__
  for (std::size_t i = 0; i < count * sizeof(T) / 16; ++i) {
    __m128i v;
    std::memcpy(&v, reinterpret_cast<const char*>(from) + 16 * i, 16);
    _mm_stream_si128(reinterpret_cast<__m128i*>(to) + i, v);
  }
#else
  std::memcpy(to, from, count * sizeof(T));
#endif
}

void StreamFence() {
#ifdef __SSE2__
  _mm_sfence();
#endif
}

// What the parser reads, recorded in batches on the parser's thread and
// replayed in the same order on the analyzer's, so that the outcome is the
// one a single thread gives.
struct Batch {
  enum class Kind : std::uint8_t { kHelp, kType, kUnit, kSample, kPieceDone };
  // One callback, compactly: a sample's labels are in `labels`, an
  // exemplar (rare) in `exemplars`, its labels after the sample's.
  struct alignas(16) Event {
    Kind kind = Kind::kPieceDone;
    MetricType type = MetricType::kUntyped;
    bool has_timestamp = false;
    bool has_exemplar = false;
    std::uint32_t line = 0;
    std::uint32_t label_count = 0;
    std::uint32_t shared_labels = 0;
    std::string_view name, text;  // into the input; a sample's text is its line
    std::size_t index = 0;        // kSample: its first label in `labels`
    std::uint64_t offset = 0;     // kSample: its line's, in the input
    double value = 0;
    double timestamp = 0;
    std::string_view timestamp_text;
    std::uint64_t labels_hash = 0, key = 0;  // kSample: as SampleKeys
  };
  static constexpr std::size_t kEvents = 1024;
  static constexpr std::size_t kLabels = 4 * kEvents;  // more only for a sample with more labels
  static_assert(sizeof(Label) % 16 == 0);

  // Events and labels are written with Stream(), into arrays of fixed size.
  std::unique_ptr<Event[]> events = std::make_unique<Event[]>(kEvents);
  std::size_t event_count = 0;
  std::unique_ptr<Label[]> labels = std::make_unique<Label[]>(kLabels);
  std::size_t label_capacity = kLabels;
  std::size_t label_count = 0;
  std::vector<Exemplar> exemplars;  // in the order of their samples
  Piece* piece = nullptr;  // kPieceDone: the piece of input to reuse once replayed

  bool Full() const { return event_count == kEvents; }
  // Room for `n` more labels: false when the batch must be handed over
  // first, unless it is empty, when it grows.
  bool LabelRoom(std::size_t n) {
    if (label_count + n <= label_capacity) return true;
    if (event_count > 0) return false;
    labels = std::make_unique<Label[]>(n);
    label_capacity = n;
    return true;
  }
  void Clear() {
    event_count = 0;
    label_count = 0;
    exemplars.clear();
    piece = nullptr;
  }
};

// Hands full batches from the parser's thread to the analyzer's, with at
// most kBatches in flight. A thread that waits is woken only when there is
// work for it: the parser, once half the batches are free again (a wake-up
// costs the waker a system call, which here costs as much as replaying
// hundreds of samples).
class BatchQueue {
 public:
  static constexpr std::size_t kBatches = 8;

  // An empty batch for the parser; null once the analyzer has stopped.
  std::unique_ptr<Batch> Empty() {
    std::unique_lock lock(mutex_);
    if (!stopped_ && spare_.empty() && made_ == kBatches) {
      parser_waiting_ = true;
      empty_ready_.wait(lock, [&] { return stopped_ || spare_.size() >= kBatches / 2; });
      parser_waiting_ = false;
    }
    if (stopped_) return nullptr;
    if (spare_.empty()) {
      ++made_;
      return std::make_unique<Batch>();
    }
    std::unique_ptr<Batch> batch = std::move(spare_.back());
    spare_.pop_back();
    return batch;
  }
  void Push(std::unique_ptr<Batch> batch) {
    std::lock_guard lock(mutex_);
    if (batch) full_.push_back(std::move(batch));
    if (analyzer_waiting_) full_ready_.notify_one();
  }
  void Close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    full_ready_.notify_one();
  }
  // The next full batch; null once the parser has closed the queue.
  std::unique_ptr<Batch> Pop() {
    std::unique_lock lock(mutex_);
    if (!closed_ && full_.empty()) {
      analyzer_waiting_ = true;
      full_ready_.wait(lock, [&] { return closed_ || !full_.empty(); });
      analyzer_waiting_ = false;
    }
    if (full_.empty()) return nullptr;
    std::unique_ptr<Batch> batch = std::move(full_.front());
    full_.pop_front();
    return batch;
  }
  void Recycle(std::unique_ptr<Batch> batch) {
    batch->Clear();
    std::lock_guard lock(mutex_);
    spare_.push_back(std::move(batch));
    if (parser_waiting_ && spare_.size() >= kBatches / 2) empty_ready_.notify_one();
  }
  // The analyzer needs no more: the parser stops at its next line.
  void Stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    empty_ready_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable empty_ready_, full_ready_;
  std::deque<std::unique_ptr<Batch>> full_;
  std::vector<std::unique_ptr<Batch>> spare_;
  std::size_t made_ = 0;
  bool closed_ = false, stopped_ = false;
  bool parser_waiting_ = false, analyzer_waiting_ = false;
};

// The parser's handler on its own thread: records each callback, and hashes
// each sample's series for the analyzer.
class Recorder final : public Handler {
 public:
  explicit Recorder(BatchQueue& queue) : queue_(queue), batch_(queue.Empty()) {}

  void OnHelp(std::string_view name, std::string_view help, std::uint32_t line) override {
    Add(Event(Batch::Kind::kHelp, line, name, help));
  }
  void OnType(std::string_view name, MetricType type, std::uint32_t line) override {
    Batch::Event event = Event(Batch::Kind::kType, line, name);
    event.type = type;
    Add(event);
  }
  void OnUnit(std::string_view name, std::string_view unit, std::uint32_t line) override {
    Add(Event(Batch::Kind::kUnit, line, name, unit));
  }
  void OnSample(const Sample& sample) override {
    if (!batch_) return;
    const std::size_t labels = sample.label_count + (sample.has_exemplar ? sample.exemplar.label_count : 0);
    if (!batch_->LabelRoom(labels)) {
      Hand();
      if (!batch_) return;
      batch_->LabelRoom(labels);
    }
    const std::size_t first = batch_->label_count;
    Stream(&batch_->labels[first], sample.labels, sample.label_count);
    batch_->label_count += sample.label_count;
    if (sample.has_exemplar) {
      Stream(&batch_->labels[batch_->label_count], sample.exemplar.labels, sample.exemplar.label_count);
      batch_->label_count += sample.exemplar.label_count;
      batch_->exemplars.push_back(sample.exemplar);
    }
    Batch::Event event = Event(Batch::Kind::kSample, sample.line, sample.name, sample.text);
    event.has_timestamp = sample.has_timestamp;
    event.has_exemplar = sample.has_exemplar;
    event.label_count = static_cast<std::uint32_t>(sample.label_count);
    event.shared_labels = sample.shared_labels;
    event.index = first;
    const SampleKeys keys = hasher_.Of(sample);
    event.labels_hash = keys.labels_hash;
    event.key = keys.key;
    event.offset = sample.offset;
    event.value = sample.value;
    event.timestamp = sample.timestamp;
    event.timestamp_text = sample.timestamp_text;
    Add(event);
  }
  // Stops the parser once the analyzer has stopped; the analyzer's error is the outcome.
  std::optional<ParseError> TakeError() override {
    if (batch_) return std::nullopt;
    return ParseError{0, 0, "stopped"};
  }
  // The parser is done with `piece`: the analyzer hears it last, then lets
  // the buffer be reused.
  void PieceDone(Piece* piece) {
    hasher_.PieceDone();
    if (!batch_) return;
    // A batch is handed over once full, so there is room for this event.
    const Batch::Event done = Event(Batch::Kind::kPieceDone, 0);
    Stream(&batch_->events[batch_->event_count++], &done, 1);
    batch_->piece = piece;
    Hand();
  }
  void Finish() {
    StreamFence();
    queue_.Push(std::move(batch_));
    queue_.Close();
  }

 private:
  static Batch::Event Event(Batch::Kind kind, std::uint32_t line, std::string_view name = {}, std::string_view text = {}) {
    Batch::Event event;
    event.kind = kind;
    event.line = line;
    event.name = name;
    event.text = text;
    return event;
  }
  void Add(const Batch::Event& event) {
    if (!batch_) return;
    Stream(&batch_->events[batch_->event_count++], &event, 1);
    if (batch_->Full()) Hand();
  }
  // Hands the batch to the analyzer and takes an empty one.
  void Hand() {
    StreamFence();
    queue_.Push(std::move(batch_));
    batch_ = queue_.Empty();
  }
  BatchQueue& queue_;
  SeriesHasher hasher_;
  std::unique_ptr<Batch> batch_;
};

// Replays a batch on `handler`, up to the first error. The series set's slot
// for a sample is fetched kAhead samples before it comes, which hides most
// of its cache miss (one sample ahead did not).
std::optional<ParseError> Replay(const Batch& batch, Analyzer& handler) {
  constexpr std::size_t kAhead = 8;
  std::size_t exemplar = 0;
  Sample sample;  // one for the batch, its fields set again for each event
  for (std::size_t i = 0; i < batch.event_count; ++i) {
    if (i + kAhead < batch.event_count) handler.Prefetch(batch.events[i + kAhead].key);
    const Batch::Event& e = batch.events[i];
    switch (e.kind) {
      case Batch::Kind::kHelp: handler.OnHelp(e.name, e.text, e.line); break;
      case Batch::Kind::kType: handler.OnType(e.name, e.type, e.line); break;
      case Batch::Kind::kUnit: handler.OnUnit(e.name, e.text, e.line); break;
      case Batch::Kind::kSample: {
        if (sample.has_exemplar) sample.exemplar = Exemplar{};
        sample.has_exemplar = false;
        sample.name = e.name;
        sample.labels = batch.labels.get() + e.index;
        sample.label_count = e.label_count;
        sample.shared_labels = e.shared_labels;
        sample.value = e.value;
        sample.has_timestamp = e.has_timestamp;
        sample.timestamp = e.timestamp;
        sample.timestamp_text = e.timestamp_text;
        sample.line = e.line;
        sample.offset = e.offset;
        sample.text = e.text;
        if (e.has_exemplar) {
          sample.has_exemplar = true;
          sample.exemplar = batch.exemplars[exemplar++];
          sample.exemplar.labels = sample.labels + e.label_count;
        }
        handler.OnSample(sample, SampleKeys{e.labels_hash, e.key});
        break;
      }
      case Batch::Kind::kPieceDone: handler.OnPieceDone(); break;
    }
    if (std::optional<ParseError> error = handler.TakeError()) return error;
  }
  return std::nullopt;
}

// The buffers the parsing thread reads an input into, a piece of whole
// lines each, reused once the analyzer has replayed what points into them:
// at most kPieces at a time, made as needed.
class PiecePool {
 public:
  static constexpr std::size_t kPieces = 4;
  explicit PiecePool(std::size_t bytes) : bytes_(bytes) {}

  // A free piece of the usual size or more; null once stopped.
  Piece* Take() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return stopped_ || !free_.empty() || made_.size() < kPieces; });
    if (stopped_) return nullptr;
    if (free_.empty()) {
      made_.push_back(std::make_unique<Piece>());
      made_.back()->Reserve(bytes_, 0);
      return made_.back().get();
    }
    Piece* piece = free_.back();
    free_.pop_back();
    // A piece grown for a long line goes back to the usual size.
    if (piece->capacity > bytes_) *piece = Piece{std::unique_ptr<char[]>(new char[bytes_]), bytes_};
    return piece;
  }
  void Give(Piece* piece) {
    std::lock_guard lock(mutex_);
    free_.push_back(piece);
    ready_.notify_one();
  }
  void Stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    ready_.notify_one();
  }

 private:
  const std::size_t bytes_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<std::unique_ptr<Piece>> made_;
  std::vector<Piece*> free_;
  bool stopped_ = false;
};

// Reads the first `size` bytes of an input through `read_at` into pieces
// from `pool`, each cut after its last newline (the rest of the line moves
// to the next piece), and parses each as it comes. A failed read stops it
// with *read_error set.
std::optional<ParseError> ReadPieces(std::size_t size, const ReadAt& read_at, Format format, Handler& handler,
                                     PiecePool& pool, std::size_t max_line_bytes,
                                     const std::function<void(Piece*)>& done, std::string* read_error) {
  PieceParser parser(format, handler);
  std::size_t offset = 0;  // of the piece's first byte in the input
  std::size_t have = 0;    // bytes in the piece
  bool last = false;  // the input's end is in the piece
  for (Piece* piece = pool.Take(); piece;) {
    if (have < piece->capacity && !last) {
      const std::size_t wanted = std::min(piece->capacity - have, size - offset - have);
      const StatusOr<std::size_t> n = ReadFull(read_at, piece->bytes.get() + have, wanted, offset + have);
      if (!n.ok()) {
        *read_error = n.status().message();
        return std::nullopt;
      }
      have += *n;
      last = *n < wanted || offset + have == size;  // a stream's end, or a file's (or where it has shrunk to)
    }
    std::size_t cut = have;
    if (!last) {
      const void* newline = memrchr(piece->bytes.get(), '\n', have);
      if (!newline) {  // one line fills the piece
        if (piece->capacity >= max_line_bytes) {
          return ParseError{parser.lines() + 1, 1, "line longer than " + std::to_string(max_line_bytes) + " bytes"};
        }
        piece->Reserve(std::min(2 * piece->capacity, max_line_bytes), have);
        continue;
      }
      cut = static_cast<std::size_t>(static_cast<const char*>(newline) - piece->bytes.get()) + 1;
    }
    std::optional<ParseError> error = parser.Feed(std::string_view(piece->bytes.get(), cut), offset, last);
    if (error || last) {
      done(piece);
      return error;
    }
    // The rest of the last line moves on before the analyzer may reuse the piece.
    Piece* next = pool.Take();
    if (!next) return std::nullopt;  // the analyzer has stopped
    const std::size_t rest = have - cut;
    next->Reserve(std::max(rest, std::min(2 * rest, max_line_bytes)), 0);  // room to read more, within the limit
    std::memcpy(next->bytes.get(), piece->bytes.get() + cut, rest);
    done(piece);
    offset += cut;
    have = rest;
    piece = next;
  }
  return std::nullopt;
}

// Runs `parse` on a thread of its own, recording what it reads, while
// `handler` replays it on this one, which first runs `meanwhile`. A batch
// that ends a piece of input hands the piece back to `pool`.
std::optional<ParseError> ParseOnTwoThreads(const std::function<std::optional<ParseError>(Recorder&)>& parse,
                                            Analyzer& handler, const std::function<void()>& meanwhile,
                                            PiecePool* pool = nullptr) {
  BatchQueue queue;
  std::optional<ParseError> parse_error;
  std::thread parser([&] {
    pthread_setname_np(pthread_self(), "probity-parse");
    Recorder recorder(queue);
    parse_error = parse(recorder);
    recorder.Finish();
  });
  meanwhile();
  std::optional<ParseError> error;
  while (std::unique_ptr<Batch> batch = queue.Pop()) {
    if (!error && (error = Replay(*batch, handler))) {
      queue.Stop();
      if (pool) pool->Stop();
    }
    if (batch->piece) pool->Give(batch->piece);
    queue.Recycle(std::move(batch));
  }
  parser.join();
  return error ? error : parse_error;
}

}  // namespace

namespace {

// What every Analyze ends with: counter values, one per series, the last
// one given, in series order.
void KeepLastCounterValues(Analysis* out) {
  std::vector<CounterValue>& values = out->counter_values;
  std::stable_sort(values.begin(), values.end(),
                   [](const CounterValue& a, const CounterValue& b) { return a.series < b.series; });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (kept > 0 && values[kept - 1].series == values[i].series) {
      values[kept - 1] = values[i];
    } else {
      values[kept++] = values[i];
    }
  }
  values.resize(kept);
  values.shrink_to_fit();
}

bool TwoThreads(std::size_t size, const AnalyzeOptions& options) {
  return size >= options.thread_from_bytes && std::thread::hardware_concurrency() > 1;
}

}  // namespace

Analysis Analyze(std::string_view body, Format format, const AnalyzeOptions& options) {
  Analysis out;
  out.format = format;
  Analyzer analyzer(format, options, &out, [body](std::uint64_t offset) {
    const std::string_view rest = body.substr(std::min<std::uint64_t>(offset, body.size()));
    return std::string(rest.substr(0, std::min(rest.find('\n'), kQuotedBytes)));
  });
  if (TwoThreads(body.size(), options)) {
    // The series set is made while the parser reads the first lines.
    out.error = ParseOnTwoThreads([&](Recorder& recorder) { return Parse(body, format, recorder); }, analyzer,
                                  [&] { analyzer.ExpectBytes(body.size()); });
  } else {
    analyzer.ExpectBytes(body.size());
    out.error = Parse(body, format, analyzer);
  }
  if (!out.error) analyzer.Finish();
  KeepLastCounterValues(&out);
  return out;
}

namespace {

// Analyze for an input read a piece at a time on the parsing thread; when
// `rereadable`, its lines are read again to be quoted.
StatusOr<Analysis> AnalyzePieces(std::size_t size, const ReadAt& read_at, bool rereadable, Format format,
                                 const AnalyzeOptions& options) {
  Analysis out;
  out.format = format;
  LineAt line_at;
  if (rereadable) {
    line_at = [&read_at](std::uint64_t offset) {
      std::string line(kQuotedBytes, '\0');
      const ssize_t n = read_at(line.data(), line.size(), offset);
      line.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
      line.resize(std::min(line.find('\n'), line.size()));
      return line;
    };
  }
  Analyzer analyzer(format, options, &out, line_at);
  PiecePool pool(options.piece_bytes);  // outlives the parsing: the analyzer replays from its pieces
  std::string read_error;
  out.error = ParseOnTwoThreads(
      [&](Recorder& recorder) {
        return ReadPieces(size, read_at, format, recorder, pool, options.max_line_bytes,
                          [&](Piece* piece) { recorder.PieceDone(piece); }, &read_error);
      },
      analyzer, [&] { analyzer.ExpectBytes(size); }, &pool);
  if (!read_error.empty()) return Status::Error(read_error);
  if (!out.error) analyzer.Finish();
  KeepLastCounterValues(&out);
  return out;
}

}  // namespace

StatusOr<Analysis> AnalyzeFile(std::size_t size, const ReadAt& read_at, Format format, const AnalyzeOptions& options) {
  if (TwoThreads(size, options)) return AnalyzePieces(size, read_at, true, format, options);
  std::string body(size, '\0');
  const StatusOr<std::size_t> have = ReadFull(read_at, body.data(), size, 0);
  if (!have.ok()) return have.status();
  body.resize(*have);
  return Analyze(body, format, options);
}

StatusOr<Analysis> AnalyzeStream(const ReadAt& read, Format format, const AnalyzeOptions& options) {
  return AnalyzePieces(std::numeric_limits<std::size_t>::max(), read, false, format, options);
}

}  // namespace probity::exposition
