// inactivity_job.h: the anonymous-user inactivity policy. Anonymous users
// whose recorded activity (login, refresh, any authenticated request) is
// older than their app's `anonymous_inactive_days` are deleted for good, with
// an audit event each. Linked (non-anonymous) users are never touched. The
// same job then purges expired sessions and, when a retention is set, audit
// events older than it.
//
// DESIGN: the store does the deleting in bounded batches (one atomic write
// each), so logins queued behind a batch wait for at most one batch. Between
// batches the job renews its lease: with several servers on one store the
// job runs on one of them at a time, and a server that dies mid-run loses
// the lease to another after `lease_seconds`. The job keeps no state of its
// own: a restart, or a crash mid-run, just leaves the rest to the next run.
// Runs on its own thread and blocks on the store (never on an I/O thread).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/model.h"
#include "core/status.h"
#include "store/store.h"

namespace guestpass::auth {

// The store records activity at most hourly, so a user may have been active
// up to core::kActivityResolutionSeconds after its recorded time: the cutoff
// leaves that much slack, so nobody is deleted before being idle for the
// full period. nullopt when the app never deletes inactive users.
std::optional<int64_t> InactivityCutoff(const core::AppSettings& settings, int64_t now);

// Users deleted per write. One batch holds the store's writer for about
// 8 ms (about 40 us per user under load), the longest a queued login waits
// for it: bench workload (6) measured the mix's p99 at 19.5 ms with 500.
inline constexpr size_t kExpireBatchSize = 200;

struct ExpireOptions {
  size_t batch_size = kExpireBatchSize;    // users per write
  std::string actor = "system:inactivity";  // who, in the audit events
  // Called after each batch; false stops the run (e.g. the lease was lost).
  std::function<bool()> keep_going = [] { return true; };
};

struct ExpireReport {
  int64_t deleted = 0;
  int64_t batches = 0;
};

// Deletes the app's anonymous users idle past its policy, batch by batch,
// until none are left (or keep_going says stop). Blocking.
core::Result<ExpireReport> ExpireInactiveUsers(store::Store& store, const core::App& app, int64_t now,
                                               const ExpireOptions& options);

// Sessions looked at per write when purging expired ones.
inline constexpr size_t kPurgeScanSize = 2000;

// Sessions looked at per run of the job at most. The purge reads the session
// table in key order: a whole pass over 10M sessions read ~1.7 GB (every
// page through pread) and took logins down ~20% while it ran, hourly (bench
// workload (5)). So a run reads a bounded part and the next run goes on from
// there: a pass over N sessions takes N / 200,000 runs (10M: 50 hourly runs),
// and an expired session stays that much longer before it goes (refused
// anyway: this only reclaims space).
inline constexpr size_t kPurgeScanPerRun = 200'000;

// Deletes the sessions that expired before `now` (a refresh with one is
// refused anyway; this keeps the store from growing with dead sessions)
// among at most `max_scan` sessions after `*cursor` in key order, one
// bounded range per write, and advances `*cursor`; at the table's end it
// resets `*cursor` (zero ids) so the next call starts over. Returns how many
// went.
core::Result<int64_t> PurgeExpiredSessions(store::Store& store, int64_t now, store::Store::SessionKey* cursor,
                                           size_t max_scan, const std::function<bool()>& keep_going);

// Audit events deleted per write by the retention.
inline constexpr size_t kAuditPurgeBatchSize = 1000;

// Deletes the audit events recorded before `before` (oldest first, see
// Store::PurgeAuditEvents), batch by batch. Returns how many went.
core::Result<int64_t> PurgeAuditEvents(store::Store& store, int64_t before, const std::function<bool()>& keep_going);

struct InactivityJobOptions {
  std::string holder;                 // this server's name in the job lease
  int64_t interval_seconds = 3600;    // how often a run is due
  int64_t lease_seconds = 300;        // a dead holder's run is taken over after this
  size_t batch_size = kExpireBatchSize;
  int64_t audit_retention_days = 0;   // audit events older than this are deleted; 0: kept for good
  size_t purge_scan_per_run = kPurgeScanPerRun;
};

// The background job of `guestpass serve`.
class InactivityJob {
 public:
  // `apps` returns the apps to police; called at every run.
  InactivityJob(store::Store& store, std::function<std::vector<std::shared_ptr<const core::App>>()> apps,
                const core::Clock& clock, InactivityJobOptions options);
  ~InactivityJob();  // Stop()

  void Start();
  // Stops after the batch in progress; the rest is left for the next run.
  void Stop();

  // One attempt: claims the job if due, runs it over every app and sets the
  // next due time. Returns how many users it deleted (0 when not due or held
  // elsewhere). Start() calls it every min(interval, 60) seconds.
  core::Result<int64_t> Tick();

  static constexpr const char* kJobName = "anonymous-inactivity";

 private:
  bool Stopping();

  store::Store& store_;
  std::function<std::vector<std::shared_ptr<const core::App>>()> apps_;
  const core::Clock& clock_;
  const InactivityJobOptions options_;

  // Where the expired-session purge goes on at the next run (only the
  // thread running Tick touches it). Per process: with several servers each
  // walks the table on its own turns.
  store::Store::SessionKey purge_cursor_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace guestpass::auth
