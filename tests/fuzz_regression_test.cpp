// Replays every input the fuzzers ever crashed on (tests/fuzz/regressions/<target>/) through the
// same checks, in every build.
#include <gtest/gtest.h>

#include <filesystem>

#include "fuzz/fuzz_bodies.hpp"
#include "fuzz/fuzz_ws_frame.hpp"
#include "support/payload.hpp"

namespace {
template <class Body>
int replay(const char* target, Body body) {
    int n = 0;
    const auto dir = acctsync::test::data_dir().parent_path() / "fuzz" / "regressions" / target;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (!e.is_regular_file() || e.path().filename() == "README.md") continue;
        const std::string bytes = acctsync::test::read_file(e.path());
        body(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
        ++n;
    }
    return n;
}
} // namespace

// Each target's folder holds at least its seeds: an empty folder (a lost directory, a renamed
// target) fails here instead of replaying nothing.
TEST(FuzzRegressions, UserEventCrashersStayFixed) { EXPECT_GE(replay("user", acctsync::fuzz::user_event), 1); }
TEST(FuzzRegressions, SnapshotCrashersStayFixed) { EXPECT_GE(replay("snapshot", acctsync::fuzz::snapshot), 1); }
TEST(FuzzRegressions, DecimalCrashersStayFixed) { EXPECT_GE(replay("decimal", acctsync::fuzz::decimal_text), 1); }
TEST(FuzzRegressions, WsFrameInputsDecodeTheSameWholeAndCut) { EXPECT_GE(replay("ws_frame", acctsync::fuzz::ws_frame), 8); }

// The fuzz seeds themselves (the samples) pass the same invariants.
TEST(FuzzRegressions, SamplesPassTheFuzzInvariants) {
    for (const auto& e : std::filesystem::directory_iterator(acctsync::test::data_dir() / "samples")) {
        const std::string bytes = acctsync::test::read_file(e.path());
        acctsync::fuzz::user_event(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
        for (int k = 0; k < 12; ++k) {
            std::string prefixed(1, static_cast<char>(k));
            prefixed += bytes;
            acctsync::fuzz::snapshot(reinterpret_cast<const std::uint8_t*>(prefixed.data()), prefixed.size());
            prefixed[0] = static_cast<char>(k | 0x80);
            acctsync::fuzz::snapshot(reinterpret_cast<const std::uint8_t*>(prefixed.data()), prefixed.size());
        }
    }
    SUCCEED();
}
