// acctsync/tools/cli_commands.hpp — the commands of the `acctsync` tool, each taking argv after its
// name and returning the process exit status.
#pragma once

namespace acctsync::tools {

int cmd_live(int argc, char** argv);     // tools/cli_live.cpp
int cmd_record(int argc, char** argv);   // tools/cli_live.cpp
int cmd_snapshot(int argc, char** argv); // tools/cli_snapshot.cpp
int cmd_replay(int argc, char** argv);   // tools/cli_replay.cpp

} // namespace acctsync::tools
