#pragma once

namespace crm::scoring {

// `crm-scoring train ...`: fits the retention model from the profiles'
// history and writes the model file and its report (see train_cmd.cc's
// usage). argv excludes the program and the subcommand.
int RunTrain(int argc, char** argv);

}  // namespace crm::scoring
