// acctsync/parse/json/json_writer.hpp — the small JSON writing kit shared by the book printer, the
// event printer and the Binance-shaped writer. Appends to a std::string (tools and tests, not
// the hot path).
#pragma once

#include <string>
#include <string_view>

#include "core/decimal.hpp"
#include "core/enums.hpp"
#include "core/inline_string.hpp"

namespace acctsync::parse {

// JSON string literal for UTF-8 bytes (quotes, backslash and control characters escaped).
void append_json_string(std::string& out, std::string_view s);
// A decimal as a JSON string in its shortest exact form ("6563.6").
void append_decimal(std::string& out, decimal d);

// Writes "key":value pairs into an object whose braces the caller writes; commas handled.
class json_object {
public:
    explicit json_object(std::string& out, bool first = true) : out_(out), first_(first) {}

    void key(std::string_view k);
    void str(std::string_view k, std::string_view v) {
        key(k);
        append_json_string(out_, v);
    }
    void dec(std::string_view k, decimal d) {
        key(k);
        append_decimal(out_, d);
    }
    void num(std::string_view k, long long v) {
        key(k);
        out_ += std::to_string(v);
    }
    void boolean(std::string_view k, bool v) {
        key(k);
        out_ += v ? "true" : "false";
    }
    void null(std::string_view k) {
        key(k);
        out_ += "null";
    }
    // An enum by its wire spelling; nothing when it is the zero ("unknown/absent") value.
    template <class E>
    void en(std::string_view k, E e) {
        if (e != E{}) str(k, to_string(e));
    }
    // An inline string; nothing when empty.
    template <std::size_t N>
    void istr(std::string_view k, const inline_string<N>& v) {
        if (!v.empty()) str(k, v.view());
    }

private:
    std::string& out_;
    bool first_;
};

} // namespace acctsync::parse
