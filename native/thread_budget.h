// One budget of libuv pool threads for all the addon's background work in a Node.js
// environment (the main thread, or one worker_thread): sink compress and write jobs and
// MemberEncoder batches each hold one slot while queued on libuv's pool. The budget is
// max(1, UV_THREADPOOL_SIZE - 2) (2 with the default pool of 4), so however many writers
// and encoders are at work, two pool threads stay free for fs, dns.lookup, crypto and zlib
// work of the rest of the process. Work beyond the budget waits in its owner's queue, not
// on libuv's. Main thread only.
#ifndef WARCWIRE_THREAD_BUDGET_H_
#define WARCWIRE_THREAD_BUDGET_H_

#include <napi.h>

#include <cstddef>
#include <deque>
#include <memory>

namespace warcwire {

class ThreadBudget {
 public:
  // An owner of queued work: called back when a slot may be free.
  class Waiter {
   public:
    virtual void OnBudget() = 0;

   protected:
    ~Waiter() = default;
  };

  // The environment's budget (created by the addon's init); owners keep the shared_ptr.
  static std::shared_ptr<ThreadBudget> Of(Napi::Env env);
  static void Install(Napi::Env env);

  explicit ThreadBudget(size_t limit) : limit_(limit) {}
  size_t limit() const { return limit_; }
  // Takes a slot, or false when all are taken (then call Wait).
  bool TryAcquire();
  // Gives a slot back and lets waiters, oldest first, take the free ones.
  void Release();
  // `waiter` is called back once when a slot frees (registering twice is one registration);
  // until then its JS object `owner` is kept alive, so queued work is never dropped with it.
  void Wait(Waiter* waiter, Napi::Object owner);
  // Forgets `waiter` (its owner is going away).
  void Forget(Waiter* waiter);

 private:
  struct Entry {
    Waiter* waiter;
    Napi::ObjectReference keepOwner;
  };
  const size_t limit_;
  size_t used_ = 0;
  std::deque<Entry> waiters_;
};

// How many jobs of one sink or encoder run at once at most (the budget bounds them all): one per core.
size_t ParallelCompressions();

}  // namespace warcwire

#endif  // WARCWIRE_THREAD_BUDGET_H_
