// acctsync/tools/cli_live.hpp — `acctsync live`: the feed against a venue (tools/cli_live.cpp).
#pragma once

namespace acctsync::tools {

// argv after "live"; returns the process exit status.
int cmd_live(int argc, char** argv);

} // namespace acctsync::tools
