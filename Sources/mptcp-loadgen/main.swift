#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser

/// Drives real MPTCP traffic for the test suite and the benchmarks: a sink
/// server and a client that opens connections, waits for their subflows,
/// sends, optionally holds them open, and closes them cleanly. Every loop is
/// bounded by a deadline.
struct Loadgen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mptcp-loadgen",
        abstract: "MPTCP traffic driver for tests and benchmarks (sink server and client).",
        subcommands: [Server.self, Client.self, Churn.self])
}

struct Server: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Accept connections and discard what they send.")

    @Option(help: "Address to listen on (a.b.c.d:port or [v6]:port).")
    var listen: [String]

    @Flag(help: "Listen with plain TCP instead of MPTCP (peers fall back).")
    var tcp = false

    @Option(help: "Exit after this many seconds.")
    var timeout: Double = 60

    @Option(help: "Exit after this many connections were accepted and closed (0: never).")
    var maxConnections: Int = 0

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        raiseFileLimit()
        var listeners: [Int32] = []
        for text in listen {
            let address = try SocketAddress(text)
            let fd = socket(address.family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), tcp ? Int32(IPPROTO_TCP) : ipprotoMPTCP)
            guard fd >= 0 else { throw LoadgenError.errno("socket") }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if address.family == AF_INET6 {
                setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            guard address.withSockaddr({ bind(fd, $0, $1) }) == 0 else { throw LoadgenError.errno("bind \(text)") }
            guard Glibc.listen(fd, 4096) == 0 else { throw LoadgenError.errno("listen") }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            listeners.append(fd)
        }
        print("listening", listen.joined(separator: " "))
        fflush(nil)

        let deadline = now() + timeout
        var clients: [Int32] = []
        var closed = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while now() < deadline {
            if maxConnections > 0, closed >= maxConnections { break }
            var fds = (listeners + clients).map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), 200)
            if ready < 0, errno != EINTR { throw LoadgenError.errno("poll") }
            if ready <= 0 { continue }
            var finished = Set<Int32>()
            for entry in fds where entry.revents != 0 {
                if listeners.contains(entry.fd) {
                    while true {
                        let client = accept(entry.fd, nil, nil)
                        if client < 0 { break }
                        _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
                        clients.append(client)
                    }
                } else {
                    while true {
                        let got = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                        if got > 0 { continue }
                        if got < 0, errno == EAGAIN || errno == EINTR { break }
                        finished.insert(entry.fd)
                        break
                    }
                }
            }
            for fd in finished {
                close(fd)
                closed += 1
            }
            clients.removeAll { finished.contains($0) }
        }
        for fd in clients + listeners { close(fd) }
        print("closed \(closed)")
    }
}

struct Client: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Open connections, send, hold and close them.")

    @Option(help: "Server address (a.b.c.d:port or [v6]:port).")
    var connect: String

    @Option(help: "Number of connections.")
    var connections: Int = 1

    @Option(help: "Bytes to send on each connection.")
    var bytes: Int = 1 << 20

    @Option(help: "Wait (up to --timeout) until each connection has this many subflows before sending.")
    var subflows: Int = 1

    @Option(help: "Seconds to keep the connections open after sending.")
    var hold: Double = 0

    @Option(help: "While holding, keep sending this many bytes per second on each connection.")
    var pace: Int = 0

    @Option(help: "Give up after this many seconds.")
    var timeout: Double = 30

    @Flag(help: "Use plain TCP sockets.")
    var tcp = false

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        raiseFileLimit()
        let address = try SocketAddress(connect)
        let deadline = now() + timeout
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        for _ in 0..<connections {
            let fd = socket(address.family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), tcp ? Int32(IPPROTO_TCP) : ipprotoMPTCP)
            guard fd >= 0 else { throw LoadgenError.errno("socket") }
            fds.append(fd)
            guard address.withSockaddr({ Glibc.connect(fd, $0, $1) }) == 0 else {
                throw LoadgenError.errno("connect \(connect)")
            }
        }
        // The client side of a connection is fully established, and the path
        // manager adds subflows, only once the peer acknowledged data: send
        // a first chunk, then wait for the subflows, then send the rest.
        var payload = [UInt8](repeating: 0x6d, count: 1 << 16)
        var sent = 0
        func send(_ fd: Int32, _ count: Int) throws {
            var left = count
            while left > 0, now() < deadline {
                let chunk = min(left, payload.count)
                let wrote = payload.withUnsafeMutableBytes { write(fd, $0.baseAddress, chunk) }
                if wrote < 0 {
                    if errno == EINTR { continue }
                    throw LoadgenError.errno("write")
                }
                left -= wrote
                sent += wrote
            }
        }
        let first = min(bytes, 1024)
        for fd in fds { try send(fd, first) }
        var counts = fds.map { subflowCount($0) ?? 1 }
        while counts.contains(where: { $0 < subflows }), now() < deadline {
            usleep(10_000)
            counts = fds.map { subflowCount($0) ?? 1 }
        }
        let reached = counts.filter { $0 >= subflows }.count
        for fd in fds { try send(fd, bytes - first) }
        // Connected, subflows up, data sent: say so, then hold.
        print("{\"connections\":\(fds.count),\"reached_subflows\":\(reached),\"bytes_sent\":\(sent)}")
        fflush(nil)
        let holdUntil = min(now() + max(0, hold), deadline)
        while now() < holdUntil {
            usleep(50_000)
            if pace > 0 { for fd in fds { try send(fd, max(1, pace / 20)) } }
        }
        // Close cleanly: DATA_FIN, then wait for the server's close.
        var buffer = [UInt8](repeating: 0, count: 4096)
        for fd in fds {
            shutdown(fd, Int32(SHUT_WR))
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while now() < deadline {
                let ready = poll(&pfd, 1, 100)
                if ready <= 0 { continue }
                let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if got <= 0 { break }
            }
        }
        print("closed \(fds.count)")
        if reached < fds.count { throw LoadgenError("only \(reached) of \(fds.count) connections reached \(subflows) subflows") }
    }
}

struct Churn: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open and close connections at a steady rate for a while (the soak test's churn).",
        discussion: "Each connection sends a little data, stays open for --lifetime seconds (long enough for its extra subflows to join), then closes. Prints one JSON line of totals at the end.")

    @Option(help: "Server address (a.b.c.d:port or [v6]:port).")
    var connect: String

    @Option(help: "Connections opened per second (and, once steady, closed per second).")
    var rate: Int = 100

    @Option(help: "Seconds each connection stays open.")
    var lifetime: Double = 1

    @Option(help: "Seconds to run.")
    var duration: Double = 60

    @Flag(help: "Use plain TCP sockets (the cost of destroy notifications a listener must receive and drop).")
    var tcp = false

    @Flag(help: "Close with SO_LINGER 0 (a reset: no TIME_WAIT left behind, so high rates do not run out of ports).")
    var reset = false

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        raiseFileLimit()
        let address = try SocketAddress(connect)
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        let started = now()
        let end = started + duration
        var open: [(fd: Int32, closeAt: Double)] = []
        var opened = 0, closed = 0, failed = 0
        var payload = [UInt8](repeating: 0x6d, count: 1024)
        let tick = 0.01
        var next = started
        while now() < end {
            // Open what the schedule says is due (rate per second, in 10 ms ticks).
            let due = Int((now() - started) * Double(rate)) - opened - failed
            for _ in 0..<max(0, min(due, rate)) {
                let fd = socket(address.family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), tcp ? Int32(IPPROTO_TCP) : ipprotoMPTCP)
                guard fd >= 0 else { failed += 1; continue }
                if reset { _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size)) }
                guard address.withSockaddr({ Glibc.connect(fd, $0, $1) }) == 0 else {
                    close(fd)
                    failed += 1
                    continue
                }
                _ = payload.withUnsafeMutableBytes { write(fd, $0.baseAddress, $0.count) }
                open.append((fd, now() + lifetime))
                opened += 1
            }
            // Close what has lived its lifetime.
            let current = now()
            while let first = open.first, first.closeAt <= current {
                close(first.fd)
                open.removeFirst()
                closed += 1
            }
            next += tick
            let sleep = next - now()
            if sleep > 0 { usleep(UInt32(sleep * 1_000_000)) }
        }
        for entry in open {
            close(entry.fd)
            closed += 1
        }
        print("{\"opened\":\(opened),\"closed\":\(closed),\"failed\":\(failed),\"seconds\":\(Int(now() - started))}")
    }
}

Loadgen.main()
