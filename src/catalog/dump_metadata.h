// catalog/dump_metadata.h - the catalog's record of a dump, read from the
// metadata.json that the agent (or `heapscope submit`) stores beside it, so
// the catalog and the store say the same thing about every dump.
#ifndef HEAPSCOPE_CATALOG_DUMP_METADATA_H_
#define HEAPSCOPE_CATALOG_DUMP_METADATA_H_

#include <cstdint>
#include <string>

#include "catalog/dump_catalog.h"
#include "hprof/error.h"

namespace heapscope::catalog {

// Needs "id", "service" (else "jvm": {"main"}) and "dump": {"key",
// "stored_bytes"}. The capture
// time is "dump_started_at", else "shipped_at" (UTC, "2026-11-27T07:00:00Z").
// Bad input names the field.
Result<DumpRecord> DumpRecordFromMetadata(const std::string& metadata_json);

// "2026-11-27T07:00:00Z" as Unix ms; -1 when it is not that form.
int64_t ParseUtcText(const std::string& text);

}  // namespace heapscope::catalog

#endif  // HEAPSCOPE_CATALOG_DUMP_METADATA_H_
