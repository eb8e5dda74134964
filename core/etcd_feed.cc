#include "core/etcd_feed.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/timeutil.h"

namespace aio {
namespace {

class EtcdFeed final : public ChangeFeed {
 public:
  EtcdFeed(std::shared_ptr<etcd::Client> client, std::string prefix, std::string skip)
      : client_(std::move(client)), prefix_(std::move(prefix)), skip_(std::move(skip)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~EtcdFeed() override {
    stop_.store(true);
    thread_.join();
  }

  bool pending() override { return changed_.load(std::memory_order_acquire); }
  bool drain() override { return changed_.exchange(false); }
  std::string trouble() const override {
    std::lock_guard lock(mu_);
    return trouble_;
  }

 private:
  void set_trouble(const std::string& why) {
    std::lock_guard lock(mu_);
    if (trouble_.empty()) {
      spdlog::error("store: {}; deciding on the state last read until it answers", why);
      since_ = format_iso(now_seconds());
    } else if (why != why_) {
      // A watch that broke ("transport is closing") is usually followed by
      // the real cause on the next probe ("... unreachable: ..."): say it.
      spdlog::warn("store: still away: {}", why);
    }
    why_ = why;
    trouble_ = why + " (since " + since_ + ")";
    // Nothing is raised: a load now would fail too, on the request that
    // tried it. The mount's janitor tries again off the request path; the
    // flag goes up when etcd answers again.
  }
  bool clear_trouble() {
    std::lock_guard lock(mu_);
    if (trouble_.empty()) return false;
    spdlog::info("store: {} answers again; reading everything again", client_->where());
    trouble_.clear();
    why_.clear();
    return true;
  }
  void pause() {  // one second, or until stopped
    for (int k = 0; k < 10 && !stop_.load(); ++k)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

  void loop() {
    while (!stop_.load()) {
      etcd::RangeRequest probe;  // where the store is now: watch from the next revision
      probe.key = prefix_;
      probe.range_end = etcd::prefix_end(prefix_);
      probe.limit = 1;
      probe.keys_only = true;
      auto r = client_->range(probe);
      if (!r) {
        set_trouble(r.status().message());
        pause();
        continue;
      }
      if (clear_trouble()) changed_.store(true);
      Status s = client_->watch(
          prefix_, etcd::prefix_end(prefix_), r->revision + 1,
          [this](const etcd::WatchBatch& b) {
            if (b.compacted) {
              changed_.store(true);
              return false;
            }
            for (const auto& ev : b.events)
              if (!ev.kv.key.starts_with(skip_)) changed_.store(true, std::memory_order_release);
            return true;
          },
          &stop_);
      if (stop_.load()) break;
      if (!s) {
        set_trouble(s.message());
        pause();
      }
    }
  }

  std::shared_ptr<etcd::Client> client_;
  const std::string prefix_, skip_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> changed_{false};
  mutable std::mutex mu_;  // leaf
  std::string trouble_, why_, since_;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<ChangeFeed>> make_etcd_feed(std::shared_ptr<etcd::Client> client,
                                                   std::string prefix, std::string skip) {
  return std::unique_ptr<ChangeFeed>(
      std::make_unique<EtcdFeed>(std::move(client), std::move(prefix), std::move(skip)));
}

}  // namespace aio
