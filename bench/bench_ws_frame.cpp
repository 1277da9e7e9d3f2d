// The RFC 6455 decoder per message, UTF-8 check included: unfragmented text of 128 B, 1 KiB and
// 16 KiB read in place, and a 64 KiB message in 16 fragments (reassembled). The bytes sit in a
// buffer as they would after decryption; each iteration decodes one message (the frames are
// laid out back to back, so the decoder walks the buffer as the network thread does).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "net/ws_frame.hpp"
#include "support/tls_frame_server.hpp"

using namespace acctsync;

namespace {

// A JSON-like ASCII payload of n bytes (what Binance sends: the ASCII fast path).
std::string payload(std::size_t n) {
    std::string s = "{\"e\":\"ORDER_TRADE_UPDATE\",\"T\":1700000000000,\"o\":{\"s\":\"BTCUSDT\",\"p\":\"";
    while (s.size() + 2 < n) s += static_cast<char>('0' + s.size() % 10);
    s += "\"}";
    s.resize(n, '0');
    return s;
}

void run(benchmark::State& state, std::size_t message, std::size_t fragments) {
    // Enough messages back to back to leave the cache's comfort for large ones too.
    const std::size_t count = std::max<std::size_t>(8, (std::size_t{4} << 20) / message);
    std::string bytes;
    const std::string p = payload(message);
    for (std::size_t i = 0; i < count; ++i) {
        if (fragments <= 1) {
            bytes += test::server_frame(0x81, p);
        } else {
            const std::size_t part = message / fragments;
            for (std::size_t f = 0; f < fragments; ++f) {
                const std::uint8_t b0 = static_cast<std::uint8_t>((f == 0 ? 0x01 : 0x00) | (f + 1 == fragments ? 0x80 : 0));
                bytes += test::server_frame(b0, std::string_view(p).substr(f * part, part));
            }
        }
    }
    bytes.append(net::ws_padding, '\0');
    const std::size_t size = bytes.size() - net::ws_padding;
    net::ws_decoder dec({message + 16});
    std::size_t at = 0;
    for (auto _ : state) {
        net::ws_decoded d;
        do {
            if (at == size) at = 0;
            std::size_t used = 0;
            d = dec.next(bytes.data() + at, size - at, used);
            at += used;
        } while (d.kind != net::ws_item::message);
        benchmark::DoNotOptimize(d.data);
        benchmark::DoNotOptimize(d.size);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * message));
}

} // namespace

BENCHMARK_CAPTURE(run, text_128B, 128, 1);
BENCHMARK_CAPTURE(run, text_1KiB, 1024, 1);
BENCHMARK_CAPTURE(run, text_16KiB, 16384, 1);
BENCHMARK_CAPTURE(run, text_64KiB_in_16_fragments, 65536, 16);

BENCHMARK_MAIN();
