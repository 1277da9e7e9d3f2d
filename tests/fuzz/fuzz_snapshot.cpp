// libFuzzer entry point; the body is in fuzz_bodies.hpp.
#include "fuzz/fuzz_bodies.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    acctsync::fuzz::snapshot(data, size);
    return 0;
}
