#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "checks/check.h"

namespace probity {

// What the checks of one run share, computed once on first use: the metrics
// scrape and its analysis, the log sample, the trace experiment, the TLS
// handshakes. Each fact is a type of its own, declared in a small header
// beside the checks that compute it, with
//
//   static F Compute(ProbeContext& ctx);     // the first Get<F>() calls it
//   void Release(const Needs& still_needed); // optional: let go of what no
//                                            // check still to run reads
//
// Not thread-safe: the checks of one target run one after another.
class Facts {
 public:
  // The fact of type F, computed now if this run has not needed it yet.
  // Computing one fact may need others.
  template <typename F>
  F& Get(ProbeContext& ctx) {
    if (F* found = Find<F>()) return *found;
    auto held = std::make_unique<Held<F>>(F::Compute(ctx));
    F& value = held->value;
    const std::size_t index = IndexOf<F>();
    if (slots_.size() <= index) slots_.resize(index + 1);
    slots_[index] = std::move(held);
    return value;
  }

  // The fact of type F if this run computed it, else nullptr.
  template <typename F>
  F* Find() {
    const std::size_t index = IndexOf<F>();
    if (index >= slots_.size() || !slots_[index]) return nullptr;
    return &static_cast<Held<F>&>(*slots_[index]).value;
  }

  // Tells each fact what the checks still to run read.
  void Release(const Needs& still_needed) {
    for (const std::unique_ptr<Slot>& slot : slots_) {
      if (slot) slot->Release(still_needed);
    }
  }

 private:
  struct Slot {
    virtual ~Slot() = default;
    virtual void Release(const Needs& still_needed) = 0;
  };
  template <typename F>
  struct Held final : Slot {
    explicit Held(F v) : value(std::move(v)) {}
    void Release(const Needs& still_needed) override {
      if constexpr (requires(F& f, const Needs& n) { f.Release(n); }) value.Release(still_needed);
    }
    F value;
  };

  // A small dense number per fact type, the same in every run.
  static std::size_t NextIndex() {
    static std::atomic<std::size_t> next{0};
    return next++;
  }
  template <typename F>
  static std::size_t IndexOf() {
    static const std::size_t index = NextIndex();
    return index;
  }

  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace probity
