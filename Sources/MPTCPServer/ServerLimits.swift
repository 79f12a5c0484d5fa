/// What one client may take from the server: the `--web.*` limits.
///
/// The defaults let a Prometheus server scrape on keep-alive connections
/// every few seconds, and let nobody hold the server with slow or idle
/// connections (slowloris), huge request heads or unread responses.
public struct ServerLimits: Sendable, Equatable {
    /// Open connections at most (`--web.max-connections`). When a new one
    /// arrives at the limit, the connection that has waited longest for its
    /// request head (idle keep-alive or slow sender) is closed to make room;
    /// connections being answered are never closed for this. If every
    /// connection is being answered, the new one is closed.
    public var maxConnections: Int = 512
    /// Bytes of request line and headers at most (`--web.max-request-head-bytes`):
    /// longer request lines get 414, longer heads 431, and the connection closes.
    public var maxRequestHeadBytes: Int = 16 * 1024
    /// Time from the first byte of a request to the end of its head
    /// (`--web.read-header-timeout`); a slower client is disconnected.
    public var readHeaderTimeout: Duration = .seconds(10)
    /// Time a keep-alive connection may wait for its next request
    /// (`--web.idle-timeout`).
    public var idleTimeout: Duration = .seconds(120)
    /// Time to hand a response to a client that does not read it
    /// (`--web.write-timeout`).
    public var writeTimeout: Duration = .seconds(30)

    public init() {}

    public init(maxConnections: Int, maxRequestHeadBytes: Int, readHeaderTimeout: Duration, idleTimeout: Duration, writeTimeout: Duration) {
        self.maxConnections = maxConnections
        self.maxRequestHeadBytes = maxRequestHeadBytes
        self.readHeaderTimeout = readHeaderTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
    }
}
