import CMNL
#if canImport(Glibc)
import Glibc
#endif

/// Process resource limits.
public enum ResourceLimits {
    /// Raises the soft limit of open files to the hard limit, as Go programs
    /// do at start: every HTTP connection, netlink socket and watched
    /// namespace costs a descriptor, and the usual soft limit is 1024.
    /// Returns the soft limit now in force (`getrlimit(2)`, `setrlimit(2)`).
    @discardableResult
    public static func raiseOpenFileLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return UInt64(raised.rlim_cur) }
        }
        return UInt64(limit.rlim_cur)
    }

    /// Caps glibc malloc at `count` arenas (`mallopt(3)` with `M_ARENA_MAX`)
    /// unless `MALLOC_ARENA_MAX` is set. glibc gives each thread that
    /// allocates its own arena, up to eight per core, and an arena keeps the
    /// memory freed into it: a scrape of 10,000 connections decodes on one
    /// thread while another receives, and the collector runs on a third, so
    /// the peak RSS grows with every arena the scrape touched (measured:
    /// 63.1 MiB with the default, 38.1 MiB with one arena, the same scrape
    /// time; see BENCHMARKS.md). Must run before a second thread allocates:
    /// glibc fixes the limit when it first needs an arena beyond the main one.
    public static func limitMallocArenas(to count: Int32 = 1) {
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        _ = cmnl_malloc_arena_max(count)
    }
}
