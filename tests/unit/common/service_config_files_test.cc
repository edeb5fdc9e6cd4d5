// deploy/local/config/<service>.yaml is exactly what `crm-<service>
// --print-config` prints: every key, its default and what it means. This
// keeps the files true when a key is added, renamed or given a new default.

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace {

std::string Output(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  EXPECT_EQ(pclose(p), 0) << command;
  return out;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::map<std::string, std::string>& Services() {
  static const std::map<std::string, std::string> services = {
      {"ingest", CRM_INGEST_PATH},
      {"dedup", CRM_DEDUP_PATH},
      {"scoring", CRM_SCORING_PATH},
      {"lifecycle", CRM_LIFECYCLE_PATH},
  };
  return services;
}

TEST(ServiceConfigFiles, EachFileIsThePrintConfigOutputOfItsService) {
  for (const auto& [name, binary] : Services()) {
    const auto file = std::filesystem::path(CRM_SOURCE_DIR) / "deploy/local/config" / (name + ".yaml");
    ASSERT_TRUE(std::filesystem::exists(file)) << file << " missing: run `" << binary << " --print-config > " << file
                                               << "`";
    EXPECT_EQ(ReadFile(file), Output(binary + " --print-config"))
        << file << " differs from `crm-" << name << " --print-config`; regenerate it";
  }
}

TEST(ServiceConfigFiles, EveryFileBelongsToABuiltService) {
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(CRM_SOURCE_DIR) / "deploy/local/config")) {
    EXPECT_TRUE(Services().count(entry.path().stem().string())) << entry.path() << " names no service checked here";
  }
}

TEST(ServiceConfigFiles, AServiceStartsFromItsFile) {
  // The file is valid config for its own service: loading it and printing
  // again gives the same text (a bad key or value would fail the load).
  for (const auto& [name, binary] : Services()) {
    const auto file = std::filesystem::path(CRM_SOURCE_DIR) / "deploy/local/config" / (name + ".yaml");
    EXPECT_EQ(Output(binary + " --config " + file.string() + " --print-config"), ReadFile(file)) << name;
  }
}

}  // namespace
