import Foundation

/// Two hosts in network namespaces joined by two veth links, for tests that
/// need real MPTCP connections with several subflows.
///
/// ```
///   client namespace                          server namespace
///   c1 10.<n>.1.1/24  fd00:<n>:1::1/64  <-->  s1 10.<n>.1.2/24  fd00:<n>:1::2/64
///   c2 10.<n>.2.1/24  fd00:<n>:2::1/64  <-->  s2 10.<n>.2.2/24  fd00:<n>:2::2/64
/// ```
/// The client routes traffic from its second address over c2 (a rule and a
/// table of its own), so a subflow from 10.<n>.2.1 takes the second link even
/// to the server's first address. Namespaces are named
/// `mpx-<tag>-<pid>-<random>-{cli,srv}`; ``destroy()`` removes them (also
/// called on deinit), and ``sweepStale()`` removes those left by a test
/// process that died.
public final class NetnsLab: @unchecked Sendable {
    public let client: String
    public let server: String
    /// Second octet of the test subnets, and the IPv6 prefix number.
    public let subnet: Int
    private var destroyed = false

    public static let prefix = "mpx-"

    public struct Options: Sendable {
        /// Subflow and add_addr_accepted limits on both hosts.
        public var limits = (subflows: 2, addAddrAccepted: 2)
        /// A `subflow` endpoint on the client's second address.
        public var clientSubflowEndpoint = true
        /// A `signal` endpoint on the server's second address.
        public var serverSignalEndpoint = false
        public init() {}
    }

    public init(tag: String, options: Options = Options()) throws {
        NetnsLab.sweepStale()
        let unique = "\(NetnsLab.prefix)\(tag)-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
        client = unique + "-cli"
        server = unique + "-srv"
        subnet = 100 + Int.random(in: 0..<100)
        do {
            try build(options)
        } catch {
            destroy()
            throw error
        }
    }

    deinit { destroy() }

    // MARK: Addresses

    public func clientAddress(link: Int) -> String { "10.\(subnet).\(link).1" }
    public func serverAddress(link: Int) -> String { "10.\(subnet).\(link).2" }
    public func clientAddress6(link: Int) -> String { "fd00:\(subnet):\(link)::1" }
    public func serverAddress6(link: Int) -> String { "fd00:\(subnet):\(link)::2" }

    // MARK: Running things inside

    /// Runs a command in `namespace` and returns its standard output.
    @discardableResult
    public func exec(_ namespace: String, _ arguments: [String], timeout: Double = 60) throws -> String {
        try Command.check(["ip", "netns", "exec", namespace] + arguments, timeout: timeout)
    }

    /// Starts a command in `namespace` in the background.
    public func spawn(_ namespace: String, _ arguments: [String]) throws -> BackgroundProcess {
        try BackgroundProcess(["ip", "netns", "exec", namespace] + arguments)
    }

    /// Runs `mptcp-loadgen server` on the server and `mptcp-loadgen client`
    /// from the client, and waits for both. Returns the client's JSON line.
    @discardableResult
    public func transfer(
        connections: Int = 1, bytes: Int = 4 << 20, subflows: Int = 2, port: Int = 5201,
        serverAddress: String? = nil, plainTCPServer: Bool = false, timeout: Double = 30
    ) throws -> String {
        let address = serverAddress ?? self.serverAddress(link: 1)
        let endpoint = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
        var serverArguments = [Products.loadgen, "server", "--listen", endpoint,
                               "--timeout", "\(Int(timeout))", "--max-connections", "\(connections)"]
        if plainTCPServer { serverArguments.append("--tcp") }
        let sink = try spawn(server, serverArguments)
        defer { sink.stop() }
        guard sink.waitForOutput(timeout: 10, { out, _ in out.contains("listening") }) else {
            throw Command.Failure(description: "loadgen server did not start: \(sink.stderr)")
        }
        let output = try exec(client, [
            Products.loadgen, "client", "--connect", endpoint, "--connections", "\(connections)",
            "--bytes", "\(bytes)", "--subflows", "\(subflows)", "--timeout", "\(Int(timeout))",
        ], timeout: timeout + 10)
        guard sink.waitForExit(timeout: 10) else {
            throw Command.Failure(description: "loadgen server did not see every connection close: \(sink.stdout)")
        }
        return output
    }

    // MARK: Lifecycle

    private func build(_ options: Options) throws {
        // Creating a namespace can wait on the kernel tearing others down.
        func check(_ arguments: [String]) throws { try Command.check(arguments, timeout: 300) }
        let ip = "ip"
        try check([ip, "netns", "add", client])
        try check([ip, "netns", "add", server])
        for link in 1...2 {
            try check([ip, "link", "add", "c\(link)", "netns", client, "type", "veth",
                               "peer", "name", "s\(link)", "netns", server])
        }
        for namespace in [client, server] {
            try check([ip, "-n", namespace, "link", "set", "lo", "up"])
            try exec(namespace, ["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"])
        }
        for link in 1...2 {
            for (namespace, device, v4, v6) in [
                (client, "c\(link)", clientAddress(link: link), clientAddress6(link: link)),
                (server, "s\(link)", serverAddress(link: link), serverAddress6(link: link)),
            ] {
                try check([ip, "-n", namespace, "addr", "add", "\(v4)/24", "dev", device])
                try check([ip, "-n", namespace, "addr", "add", "\(v6)/64", "dev", device, "nodad"])
                try check([ip, "-n", namespace, "link", "set", device, "up"])
            }
        }
        // Traffic from the client's second addresses leaves through c2.
        try check([ip, "-n", client, "rule", "add", "from", clientAddress(link: 2), "table", "102"])
        try check([ip, "-n", client, "route", "add", "default", "via", serverAddress(link: 2), "dev", "c2", "table", "102"])
        try check([ip, "-n", client, "-6", "rule", "add", "from", clientAddress6(link: 2), "table", "102"])
        try check([ip, "-n", client, "-6", "route", "add", "default", "via", serverAddress6(link: 2), "dev", "c2", "table", "102"])
        for namespace in [client, server] {
            try check([ip, "-n", namespace, "mptcp", "limits", "set",
                               "subflow", "\(options.limits.subflows)", "add_addr_accepted", "\(options.limits.addAddrAccepted)"])
        }
        if options.clientSubflowEndpoint {
            try check([ip, "-n", client, "mptcp", "endpoint", "add", clientAddress(link: 2), "dev", "c2", "subflow"])
            try check([ip, "-n", client, "mptcp", "endpoint", "add", clientAddress6(link: 2), "dev", "c2", "subflow"])
        }
        if options.serverSignalEndpoint {
            try check([ip, "-n", server, "mptcp", "endpoint", "add", serverAddress(link: 2), "dev", "s2", "signal"])
        }
    }

    /// Deletes the server namespace only (to watch a namespace disappear).
    public func destroyServer() {
        NetnsLab.delete(server)
    }

    /// Kills what runs inside and deletes both namespaces. Safe to call twice.
    public func destroy() {
        guard !destroyed else { return }
        destroyed = true
        for namespace in [client, server] { NetnsLab.delete(namespace) }
    }

    private static func delete(_ namespace: String) {
        if let pids = try? Command.run(["ip", "netns", "pids", namespace], timeout: 10).stdout {
            for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
        }
        _ = try? Command.run(["ip", "netns", "del", namespace], timeout: 120)
    }

    /// Deletes `mpx-*` namespaces whose creating test process is gone.
    public static func sweepStale() {
        guard let list = try? Command.run(["ip", "netns", "list"], timeout: 10).stdout else { return }
        for line in list.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(prefix) else { continue }
            let fields = name.split(separator: "-")
            guard fields.count >= 4, let pid = Int32(fields[fields.count - 3]) else { continue }
            if kill(pid, 0) != 0, errno == ESRCH { delete(name) }
        }
    }
}
