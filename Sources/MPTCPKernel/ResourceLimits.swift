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
}
