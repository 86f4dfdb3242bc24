// Reusable worker-thread objects of one kind (compressors, slice deflaters), shared by the
// jobs of one encoder or sink: a job borrows one, uses it alone, and gives it back, so the
// state (zlib / zstd contexts) is set up once per thread of work rather than per member.
#ifndef WARCWIRE_POOL_H_
#define WARCWIRE_POOL_H_

#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "util.h"

namespace warcwire {

template <typename T>
class Pool {
 public:
  // Makes a new object when none is free; null with `failure` set when it cannot.
  using Factory = std::function<std::unique_ptr<T>(Failure* failure)>;
  explicit Pool(Factory factory) : factory_(std::move(factory)) {}

  std::unique_ptr<T> Acquire(Failure* failure) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        std::unique_ptr<T> object = std::move(free_.back());
        free_.pop_back();
        return object;
      }
    }
    return factory_(failure);
  }

  // Never throws (workers call it last): when the free list cannot grow, the object is freed.
  void Release(std::unique_ptr<T> object) noexcept {
    if (!object) return;
    std::lock_guard<std::mutex> lock(mu_);
    try {
      free_.push_back(std::move(object));
    } catch (...) {
    }
  }

 private:
  const Factory factory_;
  std::mutex mu_;
  std::vector<std::unique_ptr<T>> free_;
};

}  // namespace warcwire

#endif  // WARCWIRE_POOL_H_
