#include "net/thread_affinity.hpp"

#include <pthread.h>
#include <sched.h>

namespace acctsync::net {

bool pin_current_thread(int cpu) noexcept {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

int current_cpu() noexcept { return sched_getcpu(); }

} // namespace acctsync::net
