#include "parse/simd_kernel.hpp"

#include <simdjson.h>

namespace acctsync::parse {

// simdjson::builtin_implementation() is compiled into Debian's libsimdjson.so (built without
// -march, so it always says "fallback"); the macro is what this translation unit, and every
// On-Demand parser compiled with the same flags, actually uses.
#define ACCTSYNC_STRINGIFY2(x) #x
#define ACCTSYNC_STRINGIFY(x) ACCTSYNC_STRINGIFY2(x)

std::string_view builtin_kernel() noexcept { return ACCTSYNC_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION); }

std::string_view best_runtime_kernel() noexcept {
    // get_active_implementation() returns an atomic_ptr wrapper in simdjson 3.x.
    const simdjson::implementation* impl = simdjson::get_active_implementation();
    return impl != nullptr ? std::string_view{impl->name()} : std::string_view{"none"};
}

} // namespace acctsync::parse
