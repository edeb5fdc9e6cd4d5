#pragma once

// A fixed set of worker threads for splitting one batch of CPU work (decode,
// normalize) across cores. RunAll blocks until every task has run.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace crm {

class WorkerPool {
 public:
  explicit WorkerPool(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  size_t size() const { return threads_.size(); }

  // Runs every task on the pool and returns when all have finished.
  void RunAll(std::vector<std::function<void()>> tasks) {
    if (tasks.empty()) return;
    std::mutex done_mu;
    std::condition_variable done_cv;
    size_t left = tasks.size();
    {
      std::lock_guard lock(mu_);
      for (auto& task : tasks) {
        queue_.push_back([&, t = std::move(task)] {
          t();
          std::lock_guard l(done_mu);
          if (--left == 0) done_cv.notify_all();
        });
      }
    }
    cv_.notify_all();
    std::unique_lock l(done_mu);
    done_cv.wait(l, [&] { return left == 0; });
  }

 private:
  void Loop() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace crm
