// `acctsync record`, `acctsync replay` and `acctsync parse --capture` as a user runs them, against
// acctsync-sim over loopback TLS: a capture of a run with gaps replays into the very book the
// live run ended with, every record parses on its own, and a damaged capture is a clear error.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/cli_fixture.hpp"
#include "tools/capture.hpp"

using namespace acctsync;
using namespace acctsync::test;

namespace {

struct cli_capture : cli_fixture {
    const std::string dir = ::testing::TempDir();
    const std::string capture = dir + "acctsync_capture.cap";
    const std::string live_json = dir + "acctsync_capture_live.json";
    const std::string replay_json = dir + "acctsync_capture_replay.json";
    void TearDown() override {
        for (const auto& f : {capture, live_json, replay_json}) std::remove(f.c_str());
        cli_fixture::TearDown();
    }
    // A recorded run through drops and expiries: gaps, statuses and healing snapshots in the capture.
    void record(const std::string& extra = "") {
        start_sim(600, [](sim::server_config& c) {
            c.faults = {"drop", "expire"};
            c.fault_rate = 0.01;
            c.seed = 7;
        });
        const auto r = run_acctsync("record", capture + " " + endpoints() + " --duration 5 --json-full --json-out " +
                                                  live_json + " " + extra);
        ASSERT_EQ(r.status, 0) << r.output;
        ASSERT_NE(r.output.find("acctsync record: in sync"), std::string::npos) << r.output;
        ASSERT_NE(r.output.find("records in"), std::string::npos) << r.output;
        // The faults cut the stream: the capture must hold gaps healed, or it proves little.
        ASSERT_EQ(r.output.find(" 0 gaps"), std::string::npos) << r.output;
    }
};

} // namespace

TEST_F(cli_capture, a_replay_ends_on_the_book_the_live_run_ended_with) {
    record();
    const auto r = run_acctsync("replay", capture + " --max --json-full --json-out " + replay_json);
    ASSERT_EQ(r.status, 0) << r.output;
    // Every register, snapshot-only fields and stamps' effects included, equals the live book.
    EXPECT_EQ(read_file(replay_json), read_file(live_json));
    EXPECT_NE(read_file(live_json).find("\"balances\""), std::string::npos);
    // And without the snapshot-only fields it is the simulator's truth.
    const auto plain = run_acctsync("replay", capture + " --max", 60, false);
    ASSERT_EQ(plain.status, 0) << plain.output;
    EXPECT_EQ(plain.output, srv->truth(0) + "\n");
}

TEST_F(cli_capture, the_capture_holds_the_runs_gaps_and_their_healing_snapshots) {
    record();
    const auto r = run_acctsync("parse", "--capture " + capture, 60, false);
    ASSERT_EQ(r.status, 0);
    EXPECT_NE(r.output.find("\"type\":\"snapshot_begin\""), std::string::npos);
    EXPECT_NE(r.output.find("\"type\":\"stream_status\""), std::string::npos);
    EXPECT_NE(r.output.find("\"status\":\"resumed\""), std::string::npos);
    EXPECT_NE(r.output.find("\"type\":\"balance_update\""), std::string::npos);
    EXPECT_EQ(r.output.find(srv->api_secret(0)), std::string::npos) << "no secret in a capture";
    EXPECT_EQ(read_file(capture).find(srv->api_secret(0)), std::string::npos) << "no secret in a capture";
    EXPECT_EQ(read_file(capture).find(srv->api_key(0)), std::string::npos) << "no API key in a capture";
}

TEST_F(cli_capture, a_cut_capture_is_an_error_naming_the_record) {
    record();
    const auto size = std::filesystem::file_size(capture);
    std::filesystem::resize_file(capture, size - 10);
    auto r = run_acctsync("replay", capture + " --max");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("cut short"), std::string::npos) << r.output;
    r = run_acctsync("parse", "--capture " + capture);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("record at byte"), std::string::npos) << r.output;
}

TEST_F(cli_capture, a_file_that_is_not_a_capture_is_refused) {
    const auto r = run_acctsync("replay", std::string(ACCTSYNC_SOURCE_DIR) + "/tests/data/samples/usdm_account_update_01.json --max");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("is not an acctsync capture"), std::string::npos) << r.output;
}

TEST_F(cli_capture, speed_replays_at_the_recorded_pace_scaled) {
    record();
    std::int64_t first = 0, last = 0;
    {
        tools::capture_reader rd(capture);
        tools::capture_record rec;
        while (rd.next(rec)) {
            if (first == 0) first = rec.recv_ns;
            last = rec.recv_ns;
        }
        ASSERT_TRUE(rd.error().empty()) << rd.error();
    }
    const double span = static_cast<double>(last - first) / 1e9;
    ASSERT_GT(span, 1.0) << "the run's records span its seconds";
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run_acctsync("replay", capture + " --speed 4");
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(r.status, 0) << r.output;
    // A lower bound only: the machine may be slower than the pace, never faster.
    EXPECT_GE(took, span / 4);
}

namespace {
std::string write_capture(const std::string& path, const std::string& body) {
    std::ofstream(path, std::ios::binary) << "acctsync-capture 2 USDM\n" << body;
    return path;
}
} // namespace

TEST_F(cli_capture, a_record_naming_an_impossible_account_is_refused_not_allocated) {
    for (const char* body : {"F 1 131070 0 2\n{}\n", "F 1 0 70000 2\n{}\n", "F 1 -3 0 2\n{}\n",
                             "X 1 65535 gap 0 1 0\n\n"}) {
        SCOPED_TRACE(body);
        tools::capture_reader rd(write_capture(capture, body));
        tools::capture_record rec;
        EXPECT_FALSE(rd.next(rec));
        EXPECT_NE(rd.error().find("out of range"), std::string::npos) << rd.error();
    }
}

TEST_F(cli_capture, where_the_recorder_lost_records_the_capture_says_it_is_incomplete) {
    tools::capture_reader rd(write_capture(capture, "X 1 0 resumed 0 1 2\nok\n! out_of_memory 0\n\nX 2 0 gap 0 1 0\n\n"));
    tools::capture_record rec;
    EXPECT_TRUE(rd.next(rec));
    EXPECT_FALSE(rd.next(rec));
    EXPECT_NE(rd.error().find("incomplete"), std::string::npos) << rd.error();
    const auto r = run_acctsync("replay", capture + " --max");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("the capture is incomplete"), std::string::npos) << r.output;
}

TEST_F(cli_capture, frames_the_live_feed_published_nothing_of_are_not_replayed) {
    // A frame recorded with account -1 (live: a key its connection did not carry) must not reach
    // the replayed book; the same frame with account 0 does.
    const std::string frame = R"({"e":"ACCOUNT_UPDATE","E":5,"T":5,"a":{"m":"ORDER","B":[{"a":"USDT","wb":"7","cw":"7","bc":"0"}],"P":[]}})";
    const auto rec = [&](int account) {
        return "F 1 0 " + std::to_string(account) + " " + std::to_string(frame.size()) + "\n" + frame + "\n";
    };
    write_capture(capture, rec(-1));
    auto r = run_acctsync("replay", capture + " --max", 60, false);
    EXPECT_EQ(r.output.find("USDT"), std::string::npos) << r.output;
    write_capture(capture, rec(0));
    r = run_acctsync("replay", capture + " --max", 60, false);
    EXPECT_NE(r.output.find("USDT"), std::string::npos) << r.output;
}

TEST(cli_help, every_command_explains_itself_and_shares_its_flags) {
    for (const char* cmd : {"live", "record", "snapshot", "replay", "parse"}) {
        SCOPED_TRACE(cmd);
        const auto r = run_acctsync(cmd, "--help");
        EXPECT_EQ(r.status, 0) << r.output;
        EXPECT_NE(r.output.find(std::string("usage: acctsync ") + cmd), std::string::npos) << r.output;
    }
    for (const char* cmd : {"live", "record", "snapshot"}) {
        const auto r = run_acctsync(cmd, "--help");
        EXPECT_NE(r.output.find("--market usdm|coinm"), std::string::npos) << cmd;
        EXPECT_NE(r.output.find("--connect-to ADDR"), std::string::npos) << cmd;
        EXPECT_NE(r.output.find("--json-out FILE"), std::string::npos) << cmd;
    }
    const auto top = run_acctsync("--help", "");
    EXPECT_EQ(top.status, 0);
    for (const char* cmd : {"live", "record", "snapshot", "replay", "parse"}) EXPECT_NE(top.output.find(cmd), std::string::npos);
    const auto bad = run_acctsync("frobnicate", "");
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.output.find("unknown command 'frobnicate'"), std::string::npos) << bad.output;
}
