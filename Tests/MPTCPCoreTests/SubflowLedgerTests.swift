import MPTCPWire
import MPTCPModel
import MPTCPPresentation
import Testing

/// The subflow ledger at the byte level: destroy notifications the kernel
/// sent (captured), the byte counters' exactly-once accounting in every
/// order a notification and a scrape can meet, and the lifecycle.
@Suite("subflow ledger")
struct SubflowLedgerTests {
    static func notifications() throws -> [SubflowClose] {
        var closes: [SubflowClose] = []
        for datagram in try SockDiagFixture.datagramsAt("destroy-6.18-cli/notifications.bin") {
            let (messages, error) = NetlinkMessages.split(ByteView(datagram))
            #expect(error == nil)
            for message in messages {
                #expect(message.type == 20, "SOCK_DIAG_BY_FAMILY")
                let socket = try #require(DiagSocket(message, infoKind: .tcp))
                #expect(socket.ulpName == nil, "no ULP information in a destroy notification")
                closes.append(try #require(SubflowClose(socket, time: 100)))
            }
        }
        return closes
    }

    static func address(_ text: String) -> IPAddress { IPAddress(parsing: text)! }

    @Test("captured notifications: the four subflows ip mptcp monitor named, with their final bytes")
    func decode() throws {
        let closes = try Self.notifications()
        #expect(closes.map(\.tuple.path) == [
            "10.77.1.1:46244 -> 10.77.1.2:5201", "10.77.2.1:50391 -> 10.77.1.2:5201",
            "10.77.1.1:46252 -> 10.77.1.2:5201", "10.77.2.1:51533 -> 10.77.1.2:5201",
        ])
        // Every monitored four-tuple (CREATED or SF_ESTABLISHED) is a notified subflow.
        let monitor = try Fixture.text("destroy-6.18-cli/notifications.ip-mptcp-monitor.txt")
        for line in monitor.split(separator: "\n") where line.contains("sport=") {
            let fields = Dictionary(uniqueKeysWithValues: line.split(separator: " ").compactMap { part -> (String, String)? in
                let pair = part.split(separator: "=", maxSplits: 1)
                return pair.count == 2 ? (String(pair[0]), String(pair[1])) : nil
            })
            let path = "\(fields["saddr4"] ?? ""):\(fields["sport"] ?? "") -> \(fields["daddr4"] ?? ""):\(fields["dport"] ?? "")"
            #expect(closes.contains { $0.tuple.path == path }, "\(path)")
        }
        // Clean close: data + 2 on the initial subflow (FIN and the DATA_FIN's
        // sequence space), 2 on the idle join, the peer's FIN received (1).
        #expect(closes[0].bytes == .init(acked: 100_002, received: 1, retransmitted: 0))
        #expect(closes[1].bytes == .init(acked: 2, received: 1, retransmitted: 0))
        // Reset (SO_LINGER 0): no FIN of either side.
        #expect(closes[2].bytes.acked == 200_001 && closes[2].bytes.received == 0)
        #expect(closes[3].bytes.acked == 1 && closes[3].bytes.received == 0)
        #expect(closes[1].boundInterface == 3 && closes[0].boundInterface == 0, "the join is bound to its endpoint's dev")
    }

    /// A subflow of the client capture with another cookie, interface and byte count.
    static func subflow(_ cookie: UInt64, _ interface: String, acked: UInt64) -> Subflow {
        var subflow = (try? ConnectionFamiliesTests.clientSnapshot())!.connections[0].subflows[0]
        subflow.cookie = cookie
        subflow.interface = interface
        subflow.tcp?.bytesAcked = acked
        subflow.tcp?.bytesReceived = 0
        subflow.tcp?.bytesRetrans = 0
        return subflow
    }

    static func close(_ cookie: UInt64, acked: UInt64) -> SubflowClose {
        SubflowClose(cookie: cookie, tuple: SubflowTuple(local: address("10.77.1.1"), localPort: UInt16(cookie),
                                                         remote: address("10.77.1.2"), remotePort: 5201),
                     boundInterface: 0, bytes: .init(acked: acked), time: 1)
    }

    @Test("exactly once: closed between scrapes, closed as the dump saw it, late after the sweep, never seen, never notified")
    func exactlyOnce() {
        var counters = InterfaceByteCounters()
        // Scrape 1: subflows 1, 2, 3 open.
        counters.beginUpdate()
        counters.record(Self.subflow(1, "c1", acked: 100))
        counters.record(Self.subflow(2, "c1", acked: 200))
        counters.record(Self.subflow(3, "c2", acked: 300))
        #expect(counters.finishUpdate()["c1"]?.acked == 300)

        // Scrape 2: 1 closed between scrapes with 150 (notified); 2 still in the dump
        // at 250 but its notification (260) arrived before the drain; 3 gone with no
        // notification yet; 4 lived between the scrapes (notified, 40 on c2).
        counters.beginUpdate()
        counters.record(Self.subflow(2, "c1", acked: 250))
        counters.close(Self.close(1, acked: 150), interface: "c1")
        counters.close(Self.close(2, acked: 260), interface: "c1")
        counters.close(Self.close(4, acked: 40), interface: "c2")
        let second = counters.finishUpdate()
        #expect(second["c1"]?.acked == 150 + 260, "each subflow once, with its final value")
        #expect(second["c2"]?.acked == 300 + 40, "3 at its last-seen value until its notification")
        #expect(counters.closedByNotification == 3 && counters.closedWithoutNotification == 1)

        // Scrape 3: 3's notification arrives late (330): only what it carried since is added.
        counters.beginUpdate()
        counters.close(Self.close(3, acked: 330), interface: "c2")
        let third = counters.finishUpdate()
        #expect(third["c2"]?.acked == 330 + 40)
        #expect(counters.closedByNotification == 4 && counters.closedWithoutNotification == 0)
        #expect(counters.trackedSubflows == 0)

        // Scrape 4..7: a subflow gone with no notification stays counted at its last value.
        counters.beginUpdate()
        counters.record(Self.subflow(5, "c1", acked: 70))
        _ = counters.finishUpdate()
        for _ in 0..<4 {
            counters.beginUpdate()
            #expect(counters.finishUpdate()["c1"]?.acked == 150 + 260 + 70)
        }
        #expect(counters.trackedSubflows == 0, "a swept subflow is forgotten after three updates")
        #expect(counters.closedWithoutNotification == 1)
    }

    @Test("the inbox keeps subflows it knows by cookie or four-tuple and drops other TCP sockets at once")
    func inbox() throws {
        var inbox = LedgerInbox(capacity: 2)
        let closes = try Self.notifications()
        inbox.learn(cookies: [closes[0].cookie])
        var subflowEvent = PathManagerEvent(kind: .subflowEstablished)
        subflowEvent.token = 1
        subflowEvent.source = closes[1].tuple.local
        subflowEvent.sourcePort = closes[1].tuple.localPort
        subflowEvent.destination = closes[1].tuple.remote
        subflowEvent.destinationPort = closes[1].tuple.remotePort
        inbox.offer([subflowEvent])
        for close in closes where inbox.admits(cookie: close.cookie, tuple: close.tuple) { inbox.offer(close) }
        #expect(inbox.subflowNotifications == 2 && inbox.otherSockets == 2)
        #expect(inbox.knownTuples.isEmpty, "a tuple is forgotten once its notification came")
        let drained = inbox.drain()
        #expect(drained.closes.map(\.cookie) == [closes[0].cookie, closes[1].cookie])
        #expect(drained.events.count == 1)
        #expect(inbox.drain().closes.isEmpty)
        // Full: counted, not kept.
        inbox.learn(cookies: Set(closes.map(\.cookie)))
        for close in closes { inbox.offer(close) }
        #expect(inbox.drain().closes.count == 2 && inbox.overflow == 2)
    }

    static func event(_ kind: PathManagerEvent.Kind, token: UInt32, _ close: SubflowClose? = nil, at time: Double,
                      error: UInt8? = nil) -> PathManagerEvent {
        var event = PathManagerEvent(kind: kind)
        event.token = token
        event.interfaceIndex = close.map { Int32($0.boundInterface) }
        event.receivedAt = time
        event.error = error
        if let close {
            event.source = close.tuple.local
            event.sourcePort = close.tuple.localPort
            event.destination = close.tuple.remote
            event.destinationPort = close.tuple.remotePort
        }
        return event
    }

    @Test("lifecycle from the captured notifications and their events: durations, joins, ends, recently closed")
    func lifecycle() throws {
        let closes = try Self.notifications()
        var lifecycle = ConnectionLifecycle(options: .init(maximumTracked: 10, keepClosed: 1, grace: 2))
        let interfaces = SockDiagFixture.clientInterfaces
        let name = { (bound: UInt32, tuple: SubflowTuple) in interfaces.name(boundIndex: bound, local: tuple.local, remote: tuple.remote) }
        lifecycle.apply([
            Self.event(.created, token: 0x4aafa5fa, closes[0], at: 10),
            Self.event(.established, token: 0x4aafa5fa, closes[0], at: 10.001),
            Self.event(.subflowEstablished, token: 0x4aafa5fa, closes[1], at: 10.021),
            Self.event(.closed, token: 0x4aafa5fa, at: 12),
            Self.event(.created, token: 0xc15f7436, closes[2], at: 20),
            Self.event(.established, token: 0xc15f7436, closes[2], at: 20.002),
            Self.event(.subflowEstablished, token: 0xc15f7436, closes[3], at: 20.5),
            Self.event(.subflowClosed, token: 0xc15f7436, closes[3], at: 20.9, error: 104),
            Self.event(.closed, token: 0xc15f7436, at: 21),
        ], interface: name)
        #expect(lifecycle.trackedConnections == 2)
        for close in closes {
            var timed = close
            timed.time = close.tuple.localPort == 46244 || close.tuple.localPort == 50391 ? 12.01 : 21.01
            #expect(lifecycle.destroyed(timed, interface: "x") != nil)
        }
        lifecycle.settle(now: 21.02)
        #expect(lifecycle.trackedConnections == 0 && lifecycle.connectionsClosed == 2)
        #expect(lifecycle.duration.count == 2 && abs(lifecycle.duration.sum - 3) < 1e-9)
        #expect(lifecycle.joinLatency["c2"]?.count == 2)
        #expect(abs((lifecycle.joinLatency["c2"]?.sum ?? 0) - (0.020 + 0.498)) < 1e-9)
        #expect(lifecycle.subflowsAtClose.sum == 4)
        #expect(lifecycle.subflowEnds[.init(interface: "c2", end: "ECONNRESET")] == 1)
        #expect(lifecycle.subflowEnds[.init(interface: "c1", end: "with_connection")] == 2)
        #expect(lifecycle.subflowEnds[.init(interface: "c2", end: "with_connection")] == 1)
        // Kept: the last one only (keepClosed 1), with its final bytes per subflow and interface.
        let last = try #require(lifecycle.recentlyClosed.last)
        #expect(lifecycle.recentlyClosed.count == 1)
        #expect(last.token == "c15f7436" && last.end == "closed" && last.duration == 1)
        #expect(last.subflows.map(\.bytesAcked) == [200_001, 1] && last.subflows.allSatisfy(\.exact))
        #expect(last.interfaces.map(\.interface) == ["c1", "c2"])
        #expect(lifecycle.finishedTuples.count == 4, "the inbox can forget every four-tuple of both")
    }

    @Test("a four-tuple taken again: an aborted join's port reused by another connection's join before the first socket is freed")
    func reusedTuple() throws {
        let closes = try Self.notifications()
        var inbox = LedgerInbox()
        var lifecycle = ConnectionLifecycle(options: .init(maximumTracked: 10, keepClosed: 10, grace: 2))
        let join = closes[1]
        let events = [
            Self.event(.created, token: 1, closes[0], at: 10), Self.event(.established, token: 1, closes[0], at: 10),
            Self.event(.subflowEstablished, token: 1, join, at: 10.1),
            Self.event(.subflowClosed, token: 1, join, at: 11, error: 103),       // ss -K: the port is free, the socket is not
            Self.event(.created, token: 2, closes[2], at: 12), Self.event(.established, token: 2, closes[2], at: 12),
            Self.event(.subflowEstablished, token: 2, join, at: 12.1),             // the same four-tuple, another socket
        ]
        inbox.offer(events)
        #expect(inbox.knownTuples[join.tuple] == [1, 2])
        lifecycle.apply(events, interface: { _, _ in "c2" })
        // Connection 1 ends first; its aborted join is freed with it.
        var first = join
        first.cookie = 1001
        first.bytes = .init(acked: 1)
        lifecycle.apply([Self.event(.closed, token: 1, at: 13)], interface: { _, _ in "c2" })
        let admitsFirst = inbox.admits(cookie: first.cookie, tuple: first.tuple)
        #expect(admitsFirst)
        inbox.offer(first)
        #expect(lifecycle.destroyed(first, interface: "c2") == 1, "the one known to be over")
        #expect(inbox.knownTuples[join.tuple]?.count == 1, "the other socket is still expected")
        var second = join
        second.cookie = 1002
        let admitsSecond = inbox.admits(cookie: second.cookie, tuple: second.tuple)
        #expect(admitsSecond)
        #expect(lifecycle.destroyed(second, interface: "c2") == 2)
    }

    @Test("bounded: connections beyond max-tracked are counted, not followed; one nothing was heard of for 10 minutes is given up")
    func bounded() throws {
        let closes = try Self.notifications()
        var lifecycle = ConnectionLifecycle(options: .init(maximumTracked: 1, keepClosed: 4, grace: 2))
        lifecycle.apply([Self.event(.created, token: 1, closes[0], at: 10), Self.event(.created, token: 2, closes[2], at: 10)],
                        interface: { _, _ in "c1" })
        #expect(lifecycle.trackedConnections == 1 && lifecycle.overflow == 1)
        #expect(lifecycle.destroyed(closes[2], interface: "c1") == nil, "not followed: its notification is not attributed")
        lifecycle.settle(now: 500)
        #expect(lifecycle.trackedConnections == 1, "its closed event may still come")
        lifecycle.settle(now: 611)
        #expect(lifecycle.trackedConnections == 0 && lifecycle.recentlyClosed.last?.end == "gone")
        #expect(lifecycle.recentlyClosed.last?.subflows.first?.end == "unobserved")
    }

    @Test("histograms: cumulative buckets by rising le, then sum and count; the exposition keeps that order")
    func histogram() {
        var histogram = Histogram(bounds: [0.5, 1, 10])
        for value in [0.1, 0.7, 0.7, 5, 50] { histogram.observe(value) }
        let samples = histogram.samples(labels: [("interface", "c2")])
        #expect(samples.map { $0.labels.last?.value ?? "" }.prefix(4) == ["0.5", "1", "10", "+Inf"])
        #expect(samples.prefix(4).map(\.value) == [.unsigned(1), .unsigned(3), .unsigned(4), .unsigned(5)])
        #expect(samples[4].suffix == "_sum" && samples[5].value == .unsigned(5))
        let text = String(decoding: ExpositionRenderer.render([MetricFamily(name: "x_seconds", help: "h", type: .histogram, samples: samples)]), as: UTF8.self)
        #expect(text.contains("x_seconds_bucket{interface=\"c2\",le=\"0.5\"} 1\nx_seconds_bucket{interface=\"c2\",le=\"1\"} 3\n"))
        #expect(text.hasSuffix("x_seconds_sum{interface=\"c2\"} 56.5\nx_seconds_count{interface=\"c2\"} 5\n"))
    }
}
