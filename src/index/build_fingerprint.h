// index/build_fingerprint.h - names the heapscope build that wrote an index:
// the version plus the executable's GNU build id (the version alone when the
// binary has none). Only that build reuses the index, so a change to how any
// column is computed (a size rule, the dominator algorithm) can never be
// answered from an old index; the price is one rebuild per new binary.
#ifndef HEAPSCOPE_INDEX_BUILD_FINGERPRINT_H_
#define HEAPSCOPE_INDEX_BUILD_FINGERPRINT_H_

#include <string>
#include <string_view>

namespace heapscope::index {

// Keep in step with the --version string in cli/app.cc.
inline constexpr std::string_view kHeapscopeVersion = "0.1.0";

// "0.1.0+1080850723890c59fc2ea06c8103b58dd38a497f"; computed once.
const std::string& BuildFingerprint();

}  // namespace heapscope::index

#endif  // HEAPSCOPE_INDEX_BUILD_FINGERPRINT_H_
