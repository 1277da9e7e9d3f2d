// TLS record decryption as the network thread does it: a TLS 1.3 client (AES-128-GCM) reads
// one record per call into its receive buffer, the server's records already waiting in memory
// (no socket: the cost is the library's record layer — header, AEAD decrypt and tag check,
// copy out). One source, three builds in the same run (tools/bench-tls):
//   bench_tls_record_wolfssl_aesni   wolfSSL 5.5.4 as tools/setup builds it (AES-NI, intel asm)
//   bench_tls_record_wolfssl_debian  Debian's binary libwolfssl (no AES-NI)
//   bench_tls_record_openssl         OpenSSL 3 (Debian's libssl)
// Each iteration decrypts a batch of records; the time is measured around the reads only
// (manual time), the server's encryption of the next batch is not counted. `per_record` is
// the time per record.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(ACCTSYNC_TLS_OPENSSL)
#include <openssl/err.h>
#include <openssl/ssl.h>
#else
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#endif

namespace {

constexpr int kBatch = 256;
const std::string cert_dir = ACCTSYNC_TEST_CA_DIR;

// Bytes in flight one way, in memory.
struct pipe_bytes {
    std::string data;
    std::size_t at = 0;
    void put(const char* p, std::size_t n) {
        if (at == data.size()) {
            data.clear();
            at = 0;
        }
        data.append(p, n);
    }
    std::size_t take(char* dst, std::size_t n) {
        const std::size_t k = std::min(n, data.size() - at);
        std::memcpy(dst, data.data() + at, k);
        at += k;
        return k;
    }
    [[nodiscard]] bool empty() const { return at == data.size(); }
};

#if defined(ACCTSYNC_TLS_OPENSSL)

struct tls_pair {
    SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX* sctx = SSL_CTX_new(TLS_server_method());
    SSL* c = nullptr;
    SSL* s = nullptr;
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    tls_pair() {
        SSL_CTX_set_min_proto_version(cctx, TLS1_3_VERSION);
        SSL_CTX_set_ciphersuites(cctx, "TLS_AES_128_GCM_SHA256");
        SSL_CTX_set_ciphersuites(sctx, "TLS_AES_128_GCM_SHA256");
        SSL_CTX_load_verify_locations(cctx, (cert_dir + "/ca.pem").c_str(), nullptr);
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, nullptr);
        if (SSL_CTX_use_certificate_chain_file(sctx, (cert_dir + "/server.pem").c_str()) != 1 ||
            SSL_CTX_use_PrivateKey_file(sctx, (cert_dir + "/server.key").c_str(), SSL_FILETYPE_PEM) != 1)
            throw std::runtime_error("openssl: server certificate");
        c = SSL_new(cctx);
        s = SSL_new(sctx);
        SSL_set_bio(c, c_in, c_out);
        SSL_set_bio(s, s_in, s_out);
        SSL_set_tlsext_host_name(c, "localhost");
        SSL_set1_host(c, "localhost");
        SSL_set_connect_state(c);
        SSL_set_accept_state(s);
        for (int i = 0; i < 100 && !(SSL_is_init_finished(c) && SSL_is_init_finished(s)); ++i) {
            (void)SSL_do_handshake(c);
            shuttle();
            (void)SSL_do_handshake(s);
            shuttle();
        }
        if (!SSL_is_init_finished(c)) throw std::runtime_error("openssl: handshake");
    }
    ~tls_pair() {
        SSL_free(c);
        SSL_free(s);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
    }
    static void move(BIO* from, BIO* to) {
        char buf[32768];
        int n;
        while ((n = BIO_read(from, buf, sizeof buf)) > 0) BIO_write(to, buf, n);
    }
    void shuttle() {
        move(c_out, s_in);
        move(s_out, c_in);
    }
    void server_write(const char* p, int n) {
        SSL_write(s, p, n);
        move(s_out, c_in);
    }
    int client_read(char* dst, int cap) { return SSL_read(c, dst, cap); }
    const char* version() const { return OpenSSL_version(OPENSSL_VERSION); }
};

#else

int recv_cb(WOLFSSL*, char* buf, int sz, void* ctx) {
    auto* p = static_cast<pipe_bytes*>(ctx);
    if (p->empty()) return WOLFSSL_CBIO_ERR_WANT_READ;
    return static_cast<int>(p->take(buf, static_cast<std::size_t>(sz)));
}
int send_cb(WOLFSSL*, char* buf, int sz, void* ctx) {
    static_cast<pipe_bytes*>(ctx)->put(buf, static_cast<std::size_t>(sz));
    return sz;
}

struct tls_pair {
    pipe_bytes c2s, s2c;
    WOLFSSL_CTX* cctx;
    WOLFSSL_CTX* sctx;
    WOLFSSL* c;
    WOLFSSL* s;
    tls_pair() {
        wolfSSL_Init();
        cctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method());
        sctx = wolfSSL_CTX_new(wolfTLSv1_3_server_method());
        wolfSSL_CTX_set_cipher_list(cctx, "TLS13-AES128-GCM-SHA256");
        wolfSSL_CTX_set_cipher_list(sctx, "TLS13-AES128-GCM-SHA256");
        wolfSSL_CTX_load_verify_locations(cctx, (cert_dir + "/ca.pem").c_str(), nullptr);
        wolfSSL_CTX_set_verify(cctx, WOLFSSL_VERIFY_PEER, nullptr);
        if (wolfSSL_CTX_use_certificate_chain_file(sctx, (cert_dir + "/server.pem").c_str()) != WOLFSSL_SUCCESS ||
            wolfSSL_CTX_use_PrivateKey_file(sctx, (cert_dir + "/server.key").c_str(), WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS)
            throw std::runtime_error("wolfssl: server certificate");
        c = wolfSSL_new(cctx);
        s = wolfSSL_new(sctx);
        wolfSSL_SSLSetIORecv(c, recv_cb);
        wolfSSL_SSLSetIOSend(c, send_cb);
        wolfSSL_SSLSetIORecv(s, recv_cb);
        wolfSSL_SSLSetIOSend(s, send_cb);
        wolfSSL_SetIOReadCtx(c, &s2c);
        wolfSSL_SetIOWriteCtx(c, &c2s);
        wolfSSL_SetIOReadCtx(s, &c2s);
        wolfSSL_SetIOWriteCtx(s, &s2c);
        wolfSSL_check_domain_name(c, "localhost");
        bool cd = false, sd = false;
        for (int i = 0; i < 100 && !(cd && sd); ++i) {
            if (!cd) cd = wolfSSL_connect(c) == WOLFSSL_SUCCESS;
            if (!sd) sd = wolfSSL_accept(s) == WOLFSSL_SUCCESS;
        }
        if (!cd || !sd) throw std::runtime_error("wolfssl: handshake");
    }
    ~tls_pair() {
        wolfSSL_free(c);
        wolfSSL_free(s);
        wolfSSL_CTX_free(cctx);
        wolfSSL_CTX_free(sctx);
    }
    void server_write(const char* p, int n) { (void)wolfSSL_write(s, p, n); }
    int client_read(char* dst, int cap) { return wolfSSL_read(c, dst, cap); }
    const char* version() const { return wolfSSL_lib_version(); }
};

#endif

void decrypt(benchmark::State& state, int record) {
    tls_pair t;
    std::vector<char> plain(static_cast<std::size_t>(record), 'x');
    std::vector<char> rx(1 << 15);
    // Drain what the handshake left (TLS 1.3 session tickets) before measuring.
    t.server_write(plain.data(), 1);
    for (int i = 0; i < 10 && t.client_read(rx.data(), static_cast<int>(rx.size())) != 1; ++i) {
    }
    std::uint64_t records = 0;
    for (auto _ : state) {
        for (int i = 0; i < kBatch; ++i) t.server_write(plain.data(), record);
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < kBatch; ++i) {
            const int n = t.client_read(rx.data(), static_cast<int>(rx.size()));
            if (n != record) {
                state.SkipWithError("short read");
                return;
            }
            benchmark::DoNotOptimize(rx.data());
        }
        state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        records += kBatch;
    }
    state.SetLabel(t.version());
    state.SetBytesProcessed(static_cast<std::int64_t>(records) * record);
    state.counters["per_record"] = benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

} // namespace

BENCHMARK_CAPTURE(decrypt, record_512B, 512)->UseManualTime();
BENCHMARK_CAPTURE(decrypt, record_16KiB, 16384)->UseManualTime();

BENCHMARK_MAIN();
