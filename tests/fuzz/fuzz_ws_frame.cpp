// libFuzzer entry point; the body is in fuzz_ws_frame.hpp.
#include "fuzz/fuzz_ws_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    acctsync::fuzz::ws_frame(data, size);
    return 0;
}
