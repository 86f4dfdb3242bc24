#include "thread_budget.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace warcwire {

namespace {

// libuv's pool size as libuv reads it: UV_THREADPOOL_SIZE, default 4, at most 1024.
size_t PoolSize() {
  size_t pool = 4;
  if (const char* env = std::getenv("UV_THREADPOOL_SIZE")) {
    long value = std::strtol(env, nullptr, 10);
    if (value > 0) pool = static_cast<size_t>(std::min<long>(value, 1024));
  }
  return pool;
}

struct InstanceData {
  std::shared_ptr<ThreadBudget> budget;
};

}  // namespace

void ThreadBudget::Install(Napi::Env env) {
  const size_t pool = PoolSize();
  env.SetInstanceData(new InstanceData{std::make_shared<ThreadBudget>(pool > 3 ? pool - 2 : 1)});
}

std::shared_ptr<ThreadBudget> ThreadBudget::Of(Napi::Env env) { return env.GetInstanceData<InstanceData>()->budget; }

bool ThreadBudget::TryAcquire() {
  if (used_ >= limit_) return false;
  used_++;
  return true;
}

void ThreadBudget::Release() {
  used_--;
  // Each round either hands a waiter its chance or ends: a waiter that finds no slot
  // registers again and the loop stops, since the slots are all taken.
  while (used_ < limit_ && !waiters_.empty()) {
    Entry entry = std::move(waiters_.front());
    waiters_.pop_front();
    entry.waiter->OnBudget();  // the owner stays referenced until it returns
  }
}

void ThreadBudget::Wait(Waiter* waiter, Napi::Object owner) {
  auto same = [waiter](const Entry& entry) { return entry.waiter == waiter; };
  if (std::find_if(waiters_.begin(), waiters_.end(), same) == waiters_.end()) {
    waiters_.push_back({waiter, Napi::Persistent(owner)});
  }
}

void ThreadBudget::Forget(Waiter* waiter) {
  auto same = [waiter](const Entry& entry) { return entry.waiter == waiter; };
  waiters_.erase(std::remove_if(waiters_.begin(), waiters_.end(), same), waiters_.end());
}

size_t ParallelCompressions() {
  static const size_t cores = std::max<unsigned>(1, std::thread::hardware_concurrency());
  return cores;
}

}  // namespace warcwire
