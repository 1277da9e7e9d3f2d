// parse_instructions KIND COUNT — parses one built-in frame COUNT times (for callgrind: the
// instruction count difference between two COUNTs, divided by their difference, is the stable
// per-frame cost; tools/instructions does that).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/spsc_ring.hpp"
#include "parse/user_stream.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: parse_instructions account_update|order_trade_update|trade_lite COUNT\n");
        return 2;
    }
    static const char* frames[][2] = {
        {"account_update",
         R"({"e":"ACCOUNT_UPDATE","T":1771856732584,"E":1771856732584,"a":{"B":[{"a":"USDT","wb":"1.73744723","cw":"1.73744723","bc":"0"}],"P":[{"s":"SOLUSDT","pa":"0.1","ep":"80.19","cr":"26.83159999","up":"0","mt":"cross","iw":"0","ps":"BOTH","ma":"USDT","bep":"80.230095"}],"m":"ORDER"}})"},
        {"order_trade_update",
         R"({"e":"ORDER_TRADE_UPDATE","T":1731955175166,"E":1731955175166,"o":{"s":"BTCUSDT","c":"android_WrDCjqlzTWlU9FGcNp1Q","S":"SELL","o":"MARKET","f":"GTC","q":"0.002","p":"0","ap":"90853.20000","sp":"0","x":"TRADE","X":"FILLED","i":482277363667,"l":"0.002","z":"0.002","L":"90853.20","n":"0.09085320","N":"USDT","T":1731955175166,"t":5612520599,"b":"0","a":"0","m":false,"R":true,"wt":"CONTRACT_PRICE","ot":"MARKET","ps":"BOTH","cp":false,"rp":"-1.77340000","pP":false,"si":0,"ss":0,"V":"NONE","pm":"NONE","gtd":0}})"},
        {"trade_lite",
         R"({"e":"TRADE_LITE","E":1721895408092,"T":1721895408214,"s":"BTCUSDT","q":"0.001","p":"0","m":false,"c":"z8hcUoOsqEdKMeKPSABslD","S":"BUY","L":"64089.20","l":"0.040","t":109100866,"i":8886774})"}};
    const char* frame = nullptr;
    for (const auto& f : frames)
        if (std::strcmp(f[0], argv[1]) == 0) frame = f[1];
    if (frame == nullptr) return 2;
    const long count = std::atol(argv[2]);
    std::string in(frame);
    const std::size_t n = in.size();
    in.resize(n + acctsync::parse::payload_padding, '\0');
    acctsync::parse::user_stream_parser parser;
    acctsync::spsc_ring<acctsync::event> ring(1024);
    const auto sink = acctsync::parse::event_sink::of(ring);
    std::size_t events = 0;
    for (long i = 0; i < count; ++i) {
        if (!parser.parse(in.data(), n, {}, sink).ok()) return 1;
        events += ring.drain([](const acctsync::event&) {});
    }
    std::printf("%zu events, %llu through the fast pass, %llu of them by its direct readers\n", events,
                static_cast<unsigned long long>(parser.counters().fast_frames),
                static_cast<unsigned long long>(parser.counters().direct_frames));
    return 0;
}
