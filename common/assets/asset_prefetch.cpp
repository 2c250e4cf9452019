#include "common/assets/asset_prefetch.h"

#include "common/assets/assets_step.h"

namespace kc {

Prefetch::~Prefetch() {
  cancel();
}

void Prefetch::start(std::function<void()> work) {
  started_at_ = Clock::now();
  thread_ = std::thread(std::move(work));
}

bool Prefetch::wait_for_release() {
  std::unique_lock<std::mutex> hold(mutex_);
  changed_.wait(hold, [this] { return released_ || cancelled_.load(); });
  return released_ && !cancelled_.load();
}

void Prefetch::release_and_join() {
  {
    std::lock_guard<std::mutex> hold(mutex_);
    released_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Prefetch::cancel() {
  {
    std::lock_guard<std::mutex> hold(mutex_);
    cancelled_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void start_prefetch(Plan& plan, const StepContext& given) {
  StepContext context = given;
  for (Phase& phase : plan) {
    context.phase = phase.name;
    for (auto& step : phase.steps) {
      if (auto* assets = dynamic_cast<AssetsStep*>(step.get())) assets->prefetch(context);
    }
  }
}

void stop_prefetch(Plan& plan) {
  for (Phase& phase : plan) {
    for (auto& step : phase.steps) {
      if (auto* assets = dynamic_cast<AssetsStep*>(step.get())) assets->cancel_prefetch();
    }
  }
}

}  // namespace kc
