// capture/dump_shipper.h - moves one captured dump into the store:
// redacted, compressed and encrypted in a single streaming pass, so no
// second plaintext copy ever touches a disk, then its metadata.
//
// Store layout, per dump:
//   dumps/<id>/dump.hprof.gz[.hsc]  the dump (HotSpot gzip blocks, then HSCRYPT1 when encrypted)
//   dumps/<id>/metadata.json       written last: its presence means "shipped"
// Shipping the same id again replaces both, so a retry after a crash is
// harmless, and a retry after a success is skipped (IsShipped).
#ifndef HEAPSCOPE_CAPTURE_DUMP_SHIPPER_H_
#define HEAPSCOPE_CAPTURE_DUMP_SHIPPER_H_

#include <atomic>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "capture/agent_config.h"
#include "capture/ship_queue.h"
#include "hprof/dump_key.h"
#include "store/object_store.h"

namespace heapscope::capture {

struct ShipReport {
  std::string data_key;
  uint64_t dump_bytes = 0;    // plaintext HPROF bytes read
  uint64_t stored_bytes = 0;  // after compression and encryption
  double seconds = 0;
  nlohmann::ordered_json metadata;
};

std::string DataKeyOf(const std::string& id, bool encrypted);
std::string MetadataKeyOf(const std::string& id);

Result<bool> IsShipped(store::ObjectStore& store, const std::string& id);

// `key` may be null when config.encrypt is false. `stop` aborts between
// pieces (the store then holds nothing new).
Result<ShipReport> ShipDump(const PendingDump& dump, const AgentConfig& config, const hprof::DumpKey* key,
                            store::ObjectStore& store, const std::atomic<bool>& stop);

}  // namespace heapscope::capture

#endif  // HEAPSCOPE_CAPTURE_DUMP_SHIPPER_H_
