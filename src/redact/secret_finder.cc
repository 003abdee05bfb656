#include "redact/secret_finder.h"

#include <algorithm>
#include <thread>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

#include "heap/field_layout.h"
#include "heap/java_names.h"
#include "hprof/big_endian.h"
#include "redact/array_text.h"

namespace heapscope::redact {
namespace {

using heap::ClassIdx;
using heap::kNoClass;

struct ArrayHit {
  uint64_t array_id;
  uint32_t rule;
  uint32_t count;
  hprof::BasicType type;
};

// Pass 2: every char[] and byte[] through the matcher. One per thread.
class ArrayScanner : public hprof::HeapVisitorBase {
 public:
  static constexpr bool kWantPrimitiveArrayData = true;
  explicit ArrayScanner(const SecretMatcher& m)
      : examples(m.rules().size()), m_(m), scratch_(m.NewScratch()), reading_(m.rules().size()), tally_(m.rules().size()) {}

  void OnPrimitiveArray(uint64_t, uint64_t id, hprof::BasicType type, uint32_t, std::span<const uint8_t> data,
                        bool) {
    if (!IsTextArray(type) || data.empty()) return;
    ++arrays;
    bytes += data.size();
    const int readings = ReadArrayText(type, data, texts_);
    touched_.clear();
    for (int r = 0; r < readings; ++r) {
      const std::string& text = texts_[r].text;
      std::fill(reading_.begin(), reading_.end(), 0);
      m_.Find(text, scratch_, [&](const SecretSpan& s) {
        if (reading_[s.rule]++ == 0 && tally_[s.rule] == 0) touched_.push_back(s.rule);
        Example& e = examples[s.rule];
        if (e.array_id == 0 || id < e.array_id) {
          e.array_id = id;
          e.type = type;
          e.masked = MaskedExample(m_.rules()[s.rule], std::string_view(text).substr(s.begin, s.end - s.begin));
        }
      });
      // Readings of one array are the same characters: a rule counts the
      // matches of its best reading, not their sum.
      for (uint32_t rule : touched_) tally_[rule] = std::max(tally_[rule], reading_[rule]);
    }
    for (uint32_t rule : touched_) {
      hits.push_back({id, rule, tally_[rule], type});
      tally_[rule] = 0;
    }
  }

  struct Example {
    uint64_t array_id = 0;
    hprof::BasicType type = hprof::BasicType::kByte;
    std::string masked;
  };
  std::vector<ArrayHit> hits;
  std::vector<Example> examples;
  uint64_t arrays = 0, bytes = 0;

 private:
  const SecretMatcher& m_;
  SecretMatcher::Scratch scratch_;
  ArrayText texts_[3];
  std::vector<uint32_t> reading_, tally_;
  std::vector<uint32_t> touched_;
};

struct Referrer {
  uint64_t holder_id;
  ClassIdx holder_class;
  uint32_t field;   // index into ClassTable::fields, or UINT32_MAX for an array element
};

// Passes 3 and 4: the first referrer seen of each target id.
class ReferrerFinder : public hprof::HeapVisitorBase {
 public:
  static constexpr bool kWantInstanceData = true;
  static constexpr bool kWantObjectArrayData = true;
  ReferrerFinder(const heap::ClassTable& t, const std::vector<std::vector<heap::FieldPlace>>& places,
                 const absl::flat_hash_set<uint64_t>& targets, uint32_t id_size)
      : t_(t), places_(places), targets_(targets), id_size_(id_size) {}

  void OnInstance(uint64_t, uint64_t id, uint64_t class_id, uint32_t length, std::span<const uint8_t> data) {
    const ClassIdx c = t_.Find(class_id);
    if (c == kNoClass) return;
    for (const heap::FieldPlace& f : places_[c]) {
      if (f.type != hprof::BasicType::kObject || f.offset + id_size_ > length) continue;
      Note(hprof::LoadId(data.data() + f.offset, id_size_), {id, c, f.field});
    }
  }
  void OnObjectArray(uint64_t, uint64_t id, uint64_t class_id, uint32_t length, std::span<const uint8_t> data) {
    const ClassIdx c = t_.Find(class_id);
    for (uint32_t i = 0; i < length; ++i) Note(hprof::LoadId(data.data() + uint64_t{i} * id_size_, id_size_), {id, c, UINT32_MAX});
  }

  absl::flat_hash_map<uint64_t, Referrer> found;

 private:
  void Note(uint64_t target, Referrer r) {
    if (target && targets_.contains(target)) found.try_emplace(target, r);
  }
  const heap::ClassTable& t_;
  const std::vector<std::vector<heap::FieldPlace>>& places_;
  const absl::flat_hash_set<uint64_t>& targets_;
  uint32_t id_size_;
};

struct NoTop : hprof::TopVisitorBase {};

int Threads(const hprof::ReadOptions& read) {
  return read.threads > 0 ? read.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

template <class Visitor>
Result<hprof::ReadSummary> Pass(const std::string& path, const hprof::ReadOptions& read, std::vector<Visitor>& v) {
  auto input = hprof::DumpInput::Open(path, read.threads, read.key.get());
  if (!input.ok()) return input.error();
  NoTop top;
  return hprof::ReadDump(input.value(), read, top, v);
}

// Referrers of `targets` from instances, arrays and statics.
Result<absl::flat_hash_map<uint64_t, Referrer>> FindReferrers(
    const std::string& path, const hprof::ReadOptions& read, const heap::HeapScan& scan,
    const std::vector<std::vector<heap::FieldPlace>>& places, const absl::flat_hash_set<uint64_t>& targets) {
  absl::flat_hash_map<uint64_t, Referrer> found;
  if (targets.empty()) return found;
  const heap::ClassTable& t = scan.classes;
  // Statics first: a static holder is the most telling one.
  for (ClassIdx c = 0; c < t.size(); ++c) {
    for (uint32_t s = t.static_begin[c]; s < t.static_begin[c + 1]; ++s) {
      const hprof::StaticField& f = t.statics[s];
      if (f.type == hprof::BasicType::kObject && f.value && targets.contains(f.value)) {
        found.try_emplace(f.value, Referrer{t.class_id[c], c, UINT32_MAX - 1 - s});
      }
    }
  }
  std::vector<ReferrerFinder> v;
  for (int i = 0; i < Threads(read); ++i) v.emplace_back(t, places, targets, scan.read.header.id_size);
  auto sum = Pass(path, read, v);
  if (!sum.ok()) return sum.error();
  for (auto& f : v) {
    for (auto& [target, r] : f.found) found.try_emplace(target, r);
  }
  return found;
}

}  // namespace

Result<SecretFindings> FindSecrets(const std::string& path, const SecretMatcher& matcher,
                                   const hprof::ReadOptions& read) {
  SecretFindings out;
  auto scanned = heap::ScanHeapFile(path, heap::ScanOptions{read});
  if (!scanned.ok()) return scanned.error();
  const heap::HeapScan& scan = scanned.value();
  out.id_size = scan.read.header.id_size;
  out.dump_bytes = scan.read.decoded_bytes;
  const heap::ClassTable& t = scan.classes;
  const auto places = heap::InstanceFieldPlaces(t, out.id_size);

  std::vector<ArrayScanner> scanners;
  for (int i = 0; i < Threads(read); ++i) scanners.emplace_back(matcher);
  if (auto s = Pass(path, read, scanners); !s.ok()) return s.error();
  const size_t rules = matcher.rules().size();
  std::vector<ArrayHit> hits;
  std::vector<ArrayScanner::Example> examples(rules);
  for (ArrayScanner& s : scanners) {
    out.arrays_scanned += s.arrays;
    out.text_bytes_scanned += s.bytes;
    hits.insert(hits.end(), s.hits.begin(), s.hits.end());
    for (size_t r = 0; r < rules; ++r) {
      auto& e = s.examples[r];
      if (e.array_id && (!examples[r].array_id || e.array_id < examples[r].array_id)) examples[r] = std::move(e);
    }
  }

  absl::flat_hash_set<uint64_t> arrays;
  for (const ArrayHit& h : hits) arrays.insert(h.array_id);
  auto array_holders = FindReferrers(path, read, scan, places, arrays);
  if (!array_holders.ok()) return array_holders.error();
  absl::flat_hash_set<uint64_t> strings;
  for (auto& [array, r] : array_holders.value()) {
    if (r.holder_class == t.java_lang_string) strings.insert(r.holder_id);
  }
  auto string_holders = FindReferrers(path, read, scan, places, strings);
  if (!string_holders.ok()) return string_holders.error();
  out.passes = 4;

  auto field_name = [&](const Referrer& r) -> std::string {
    const std::string& cls = t.name[r.holder_class];
    if (r.field == UINT32_MAX) return fmt::format("{} element", cls);
    if (r.field >= UINT32_MAX - 1 - t.statics.size()) {
      const hprof::StaticField& f = t.statics[UINT32_MAX - 1 - r.field];
      auto n = scan.names.find(f.name_id);
      return fmt::format("static {}.{}", cls, n == scan.names.end() ? "?" : n->second);
    }
    auto n = scan.names.find(t.fields[r.field].name_id);
    return fmt::format("{}.{}", cls, n == scan.names.end() ? "?" : n->second);
  };
  auto array_name = [](hprof::BasicType type) { return heap::PrimitiveArrayName(type); };
  // The holder of an array, looking through the String that owns it.
  auto place_of = [&](uint64_t array, hprof::BasicType type, uint64_t* object, std::vector<std::string>* chain) {
    auto a = array_holders->find(array);
    if (object) *object = array;
    if (a == array_holders->end()) return std::pair<std::string, std::string>{array_name(type), "(unreferenced)"};
    if (a->second.holder_class != t.java_lang_string) {
      if (chain) *chain = {field_name(a->second), array_name(type)};
      return std::pair<std::string, std::string>{array_name(type), field_name(a->second)};
    }
    if (object) *object = a->second.holder_id;
    auto s = string_holders->find(a->second.holder_id);
    std::string field = s == string_holders->end() ? "(unreferenced)" : field_name(s->second);
    if (chain) {
      chain->clear();
      if (s != string_holders->end()) chain->push_back(field);
      chain->push_back("java.lang.String.value");
      chain->push_back(array_name(type));
    }
    return std::pair<std::string, std::string>{t.name[t.java_lang_string], field};
  };

  out.rules.resize(rules);
  std::vector<absl::flat_hash_map<std::pair<std::string, std::string>, uint64_t>> by_place(rules);
  for (const ArrayHit& h : hits) {
    out.rules[h.rule].count += h.count;
    by_place[h.rule][place_of(h.array_id, h.type, nullptr, nullptr)] += h.count;
  }
  for (size_t r = 0; r < rules; ++r) {
    RuleFindings& f = out.rules[r];
    f.rule = matcher.rules()[r].name;
    for (auto& [place, n] : by_place[r]) f.places.push_back({place.first, place.second, n});
    std::sort(f.places.begin(), f.places.end(), [](const SecretPlace& a, const SecretPlace& b) {
      return a.count != b.count ? a.count > b.count : std::tie(a.holder_class, a.field) < std::tie(b.holder_class, b.field);
    });
    if (examples[r].array_id) {
      place_of(examples[r].array_id, examples[r].type, &f.example_object, &f.example_holders);
      f.example_masked = std::move(examples[r].masked);
    }
  }
  return out;
}

}  // namespace heapscope::redact
