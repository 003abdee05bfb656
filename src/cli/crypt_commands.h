// cli/crypt_commands.h - encryption at rest: `encrypt` and `decrypt` turn
// any file into the encrypted container (hprof/encrypted_format.h) and back,
// and `keygen` writes a new master key file. Every dump-reading command reads
// encrypted dumps directly with --key-file; `decrypt` is for other tools.
#ifndef HEAPSCOPE_CLI_CRYPT_COMMANDS_H_
#define HEAPSCOPE_CLI_CRYPT_COMMANDS_H_

#include <functional>

namespace CLI {
class App;
}

namespace heapscope::cli {

void RegisterEncrypt(CLI::App& app, std::function<int()>& run);
void RegisterDecrypt(CLI::App& app, std::function<int()>& run);
void RegisterKeygen(CLI::App& app, std::function<int()>& run);

}  // namespace heapscope::cli

#endif  // HEAPSCOPE_CLI_CRYPT_COMMANDS_H_
