#pragma once

// Command-line modes of crm-dedup besides serving: `batch` and `eval`.
// argv excludes the program and the subcommand.

namespace crm::dedup {

int RunBatch(int argc, char** argv);
int RunEval(int argc, char** argv);

}  // namespace crm::dedup
