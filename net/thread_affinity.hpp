// acctsync/net/thread_affinity.hpp — pinning the calling thread to one CPU: the network thread
// spins on its core in busy-poll mode, and a thread that migrates mid-spin pays a cold cache and
// shares a core with whatever was there.
//
// Threads: affects only the calling thread. Cold path (a system call).
#pragma once

namespace acctsync::net {

// Pins the calling thread to `cpu` (0-based). false when the CPU does not exist or the system
// refuses (a cgroup or container that excludes it).
[[nodiscard]] bool pin_current_thread(int cpu) noexcept;

// The CPU the calling thread runs on now (-1 if unknown).
[[nodiscard]] int current_cpu() noexcept;

} // namespace acctsync::net
