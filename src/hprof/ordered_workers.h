// hprof/ordered_workers.h - jobs run on worker threads and taken back in the
// order they were submitted: the shape of a chunked codec, where chunks are
// independent but the stream is not (encrypted_writer, encrypted_reader).
//
// The owner bounds memory by how many jobs it keeps submitted. TakeFront()
// runs the oldest job on the calling thread when no worker has started it,
// so zero workers is a valid serial mode and a waiting caller helps instead
// of idling. Not thread-safe itself: one owner thread submits and takes.
// Destruction waits for started jobs and drops the rest.
#ifndef HEAPSCOPE_HPROF_ORDERED_WORKERS_H_
#define HEAPSCOPE_HPROF_ORDERED_WORKERS_H_

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace heapscope::hprof {

template <class Job>
class OrderedWorkers {
 public:
  // `work(job, slot)`: slot is the worker's number, 0 .. workers-1, or
  // `workers` when the owner runs the job itself, so each slot may keep its
  // own state (an OpenSSL context) without locking. Fewer workers may start
  // than asked for if threads can't be created; workers() says how many.
  OrderedWorkers(int workers, const char* thread_name, std::function<void(Job&, int)> work)
      : work_(std::move(work)) {
    for (int i = 0; i < workers; ++i) {
      try {
        threads_.emplace_back([this, i, thread_name] {
          pthread_setname_np(pthread_self(), thread_name);
          WorkerMain(i);
        });
      } catch (const std::system_error&) {
        break;
      }
    }
    slots_ = static_cast<int>(threads_.size());
  }
  OrderedWorkers(const OrderedWorkers&) = delete;
  OrderedWorkers& operator=(const OrderedWorkers&) = delete;
  ~OrderedWorkers() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  int workers() const { return slots_; }
  size_t in_flight() const { return entries_.size(); }

  void Submit(std::unique_ptr<Job> job) {
    {
      std::lock_guard lock(mu_);
      entries_.push_back({std::move(job)});
      todo_.push_back(&entries_.back());
    }
    work_cv_.notify_one();
  }

  // The oldest job, done. Null when none is submitted.
  std::unique_ptr<Job> TakeFront() {
    std::unique_lock lock(mu_);
    if (entries_.empty()) return nullptr;
    Entry* front = &entries_.front();
    if (!front->started) {
      // Jobs are started in submission order, so it heads the todo list.
      todo_.pop_front();
      front->started = true;
      lock.unlock();
      work_(*front->job, slots_);
      lock.lock();
      front->done = true;
    }
    done_cv_.wait(lock, [front] { return front->done; });
    std::unique_ptr<Job> job = std::move(front->job);
    entries_.pop_front();
    return job;
  }

 private:
  struct Entry {
    std::unique_ptr<Job> job;
    bool started = false;
    bool done = false;
  };

  void WorkerMain(int slot) {
    std::unique_lock lock(mu_);
    while (true) {
      work_cv_.wait(lock, [this] { return stop_ || !todo_.empty(); });
      if (stop_) return;
      Entry* e = todo_.front();
      todo_.pop_front();
      e->started = true;
      lock.unlock();
      work_(*e->job, slot);
      lock.lock();
      e->done = true;
      done_cv_.notify_all();
    }
  }

  std::function<void(Job&, int)> work_;
  int slots_ = 0;
  std::mutex mu_;  // guards everything below
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::deque<Entry> entries_;  // submitted, oldest first; references stay valid
  std::deque<Entry*> todo_;    // not started yet, oldest first
  bool stop_ = false;
  std::vector<std::thread> threads_;  // last: joined before the rest dies
};

}  // namespace heapscope::hprof

#endif  // HEAPSCOPE_HPROF_ORDERED_WORKERS_H_
