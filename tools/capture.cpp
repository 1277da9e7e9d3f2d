#include "tools/capture.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "parse/payload.hpp"

namespace acctsync::tools {

namespace {

constexpr std::string_view magic = "acctsync-capture 2 ";

void put_int(std::string& s, std::int64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    s.push_back(' ');
    s.append(buf, r.ptr);
}

} // namespace

capture_writer::capture_writer(const std::string& path, market venue) {
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) throw std::runtime_error("cannot create " + path);
    pending_.reserve(1 << 20);
    writing_.reserve(1 << 20);
    const std::string head = std::string(magic) + std::string(to_string(venue)) + "\n";
    failed_ = std::fwrite(head.data(), 1, head.size(), file_) != head.size();
}

capture_writer::~capture_writer() {
    (void)flush();
    std::fclose(file_);
}

void capture_writer::append(std::string_view head, std::string_view payload) noexcept {
    std::lock_guard lk(mu_);
    const std::size_t before = pending_.size();
    try {
        if (overflow_ && !marked_) { // say where records went missing, before the next one
            pending_ += "! out_of_memory 0\n\n";
            marked_ = true;
        }
        pending_.append(head);
        put_int(pending_, static_cast<std::int64_t>(payload.size()));
        pending_.push_back('\n');
        pending_.append(payload);
        pending_.push_back('\n');
        ++records_;
    } catch (...) { // out of memory: no half record; a "!" record marks the hole
        pending_.resize(std::min(before, pending_.size()));
        overflow_ = true;
    }
}

void capture_writer::on_frame(int connection, int account, std::int64_t recv_ns, std::string_view payload) noexcept {
    char head[80]; // "F <recv_ns> <connection> <account>": no allocation but the buffer's
    const int n = std::snprintf(head, sizeof head, "F %lld %d %d", static_cast<long long>(recv_ns), connection, account);
    append(std::string_view(head, static_cast<std::size_t>(n)), payload);
}

void capture_writer::on_snapshot(const parse::snapshot_request& req, bool wsapi, std::string_view body,
                                 std::uint64_t consumer_mask) noexcept {
    try {
        std::string h = "S";
        put_int(h, req.recv_ns);
        put_int(h, req.account);
        h += wsapi ? " wsapi " : " rest ";
        h += to_string(req.kind);
        put_int(h, static_cast<std::int64_t>(req.snapshot_id));
        put_int(h, req.as_of_ms);
        put_int(h, req.request_sent_ns);
        h += ' ' + std::to_string(consumer_mask);
        append(h, body);
    } catch (...) {
        std::lock_guard lk(mu_);
        overflow_ = true;
    }
}

void capture_writer::on_status(const event_header& header, const stream_status& status, std::uint64_t consumer_mask) noexcept {
    try {
        std::string h = "X";
        put_int(h, header.recv_time_ns);
        put_int(h, header.account);
        h += ' ';
        h += to_string(status.kind);
        put_int(h, status.exchange_code);
        h += ' ' + std::to_string(consumer_mask);
        append(h, status.detail.view());
    } catch (...) {
        std::lock_guard lk(mu_);
        overflow_ = true;
    }
}

bool capture_writer::flush() {
    {
        std::lock_guard lk(mu_);
        if (overflow_ && !marked_) {
            try {
                pending_ += "! out_of_memory 0\n\n";
                marked_ = true;
            } catch (...) {
            }
        }
        writing_.swap(pending_);
    }
    if (!writing_.empty() && !failed_)
        failed_ = std::fwrite(writing_.data(), 1, writing_.size(), file_) != writing_.size();
    writing_.clear();
    if (!failed_) failed_ = std::fflush(file_) != 0;
    std::lock_guard lk(mu_);
    return !failed_ && !overflow_;
}

std::uint64_t capture_writer::records() const {
    std::lock_guard lk(mu_);
    return records_;
}

// ---- reader ----------------------------------------------------------------------------------

capture_reader::capture_reader(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream s;
    s << in.rdbuf();
    text_ = s.str();
    end_ = text_.size();
    text_.append(parse::payload_padding, '\0');
    const auto nl = text_.find('\n');
    if (text_.compare(0, magic.size(), magic) != 0 || nl == std::string::npos || nl > end_)
        throw std::runtime_error(path + " is not an acctsync capture (first line: \"acctsync-capture 2 USDM|COINM\")");
    const std::string_view m(text_.data() + magic.size(), nl - magic.size());
    if (m == "USDM") venue_ = market::usdm;
    else if (m == "COINM") venue_ = market::coinm;
    else throw std::runtime_error(path + ": unknown market '" + std::string(m) + "'");
    pos_ = nl + 1;
}

bool capture_reader::next(capture_record& r) {
    if (pos_ >= end_ || !error_.empty()) return false;
    const std::size_t nl = text_.find('\n', pos_);
    const std::size_t at = pos_;
    auto fail = [&](const std::string& why) {
        error_ = "record at byte " + std::to_string(at) + ": " + why;
        return false;
    };
    if (nl == std::string::npos || nl >= end_) return fail("header line without its end");
    std::vector<std::string_view> f;
    for (std::size_t i = pos_; i < nl;) {
        const std::size_t sp = std::min(text_.find(' ', i), nl);
        f.emplace_back(text_.data() + i, sp - i);
        i = sp + 1;
    }
    const auto num = [&](std::size_t i, auto& out) {
        if (i >= f.size()) return false;
        const auto [p, ec] = std::from_chars(f[i].data(), f[i].data() + f[i].size(), out);
        return ec == std::errc{} && p == f[i].data() + f[i].size();
    };
    r = capture_record{};
    std::uint64_t n = 0;
    if (f.empty() || f[0].size() != 1) return fail("no record kind");
    bool ok = false;
    switch (f[0][0]) {
    case 'F':
        r.kind = capture_kind::frame;
        ok = f.size() == 5 && num(1, r.recv_ns) && num(2, r.connection) && num(3, r.frame_account) && num(4, n);
        if (ok && (r.connection < 0 || r.connection >= 4 * max_accounts || r.frame_account < -1 ||
                   r.frame_account >= max_accounts))
            return fail("connection or account out of range");
        break;
    case 'S': {
        r.kind = capture_kind::snapshot;
        bool known = false;
        std::uint16_t acc = 0;
        ok = f.size() == 10 && num(1, r.request.recv_ns) && num(2, acc) && (f[3] == "rest" || f[3] == "wsapi") &&
             num(5, r.request.snapshot_id) && num(6, r.request.as_of_ms) && num(7, r.request.request_sent_ns) &&
             num(8, r.consumers) && num(9, n);
        if (ok && acc >= max_accounts) return fail("account out of range");
        if (ok) {
            for (std::size_t i = 1; i < std::size(enum_traits<snapshot_kind>::names); ++i)
                if (enum_traits<snapshot_kind>::names[i] == f[4]) {
                    r.request.kind = static_cast<snapshot_kind>(i);
                    known = true;
                }
            if (!known) return fail("unknown snapshot kind '" + std::string(f[4]) + "'");
        }
        r.wsapi = ok && f[3] == "wsapi";
        r.account = r.request.account = acc;
        r.request.venue = venue_;
        r.recv_ns = r.request.recv_ns;
        break;
    }
    case 'X': {
        r.kind = capture_kind::status;
        ok = f.size() == 7 && num(1, r.recv_ns) && num(2, r.account) && num(4, r.exchange_code) && num(5, r.consumers) &&
             num(6, n);
        if (ok && r.account >= max_accounts) return fail("account out of range");
        bool known = false;
        for (std::size_t i = 1; ok && i < std::size(enum_traits<stream_status_kind>::names); ++i)
            if (enum_traits<stream_status_kind>::names[i] == f[3]) {
                r.status = static_cast<stream_status_kind>(i);
                known = true;
            }
        if (ok && !known) return fail("unknown status '" + std::string(f[3]) + "'");
        break;
    }
    case '!': return fail("the recorder lost records here (" + std::string(f.size() > 1 ? f[1] : "?") + "): the capture is incomplete");
    default: return fail("unknown record kind '" + std::string(f[0]) + "'");
    }
    if (!ok) return fail("malformed header '" + text_.substr(pos_, nl - pos_) + "'");
    const std::size_t body = nl + 1;
    if (n > end_ || body + n >= end_ + 1 || body + n > end_ - 1 || text_[body + n] != '\n')
        return fail("payload of " + std::to_string(n) + " bytes cut short or not followed by a newline");
    r.bytes = std::string_view(text_.data() + body, n);
    pos_ = body + n + 1;
    return true;
}

} // namespace acctsync::tools
