import Testing

/// Every suite that builds network namespaces, nested here so that they run
/// one after another: creating namespaces while others are being torn down
/// waits on the kernel's namespace cleanup, and many at once made
/// `ip netns add` stall for over a minute.
@Suite("Real kernel suites", .serialized)
struct KernelSuites {}
