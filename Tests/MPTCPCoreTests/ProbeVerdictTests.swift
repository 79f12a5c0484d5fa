import MPTCPModel
import MPTCPPresentation
import MPTCPWire
import Testing

/// The probe's verdict on recorded facts, stage by stage, and the decoding
/// of what `getsockopt(SOL_MPTCP)` returns, by length.
@Suite("MPTCP probe verdicts and socket-option decoding")
struct ProbeVerdictTests {
    static let server = SocketAddress(address: IPAddress(parsing: "10.1.1.2")!, port: 443)
    static let local1 = SocketAddress(address: IPAddress(parsing: "10.1.1.1")!, port: 40000)
    static let local2 = SocketAddress(address: IPAddress(parsing: "10.1.2.1")!, port: 40001)

    /// A `tcp_info` payload of 280 bytes: state, total_retrans and rtt (µs).
    static func tcpInfo(state: UInt8 = 1, totalRetrans: UInt32 = 0, rtt: UInt32 = 1500) -> TCPInfo {
        var bytes = [UInt8](repeating: 0, count: 280)
        bytes[0] = state
        withUnsafeBytes(of: totalRetrans.littleEndian) { bytes.replaceSubrange(100..<104, with: $0) }
        withUnsafeBytes(of: rtt.littleEndian) { bytes.replaceSubrange(68..<72, with: $0) }
        return TCPInfo(ByteView(bytes))
    }

    /// A 96-byte `mptcp_info` with bytes sent and received.
    static func mptcpInfo(sent: UInt64 = 100, received: UInt64 = 100) -> MPTCPInfo {
        var bytes = [UInt8](repeating: 0, count: 96)
        withUnsafeBytes(of: sent.littleEndian) { bytes.replaceSubrange(56..<64, with: $0) }
        withUnsafeBytes(of: received.littleEndian) { bytes.replaceSubrange(64..<72, with: $0) }
        return MPTCPInfo(ByteView(bytes))
    }

    static func endpoint(_ id: UInt8, _ address: String, flags: UInt32 = 2) -> Endpoint {
        Endpoint(id: id, address: IPAddress(parsing: address), flags: flags)
    }

    static func event(_ kind: PathManagerEvent.Kind, source: IPAddress? = nil, destination: IPAddress? = nil,
                      sourcePort: UInt16? = nil, destinationPort: UInt16? = nil, error: UInt8? = nil) -> PathManagerEvent {
        var event = PathManagerEvent(kind: kind)
        event.token = 1
        event.source = source
        event.destination = destination
        event.sourcePort = sourcePort
        event.destinationPort = destinationPort
        event.error = error
        return event
    }

    /// A connected probe: MPTCP at both ends, the given subflows, one subflow endpoint on 10.1.2.1.
    static func connected(subflows: [MPTCPSocketInfo.Subflow], sent: UInt64 = 100, events: [PathManagerEvent]? = []) -> ProbeObservation {
        var seen = ProbeObservation(target: ProbeTarget(host: "10.1.1.2", port: 443))
        seen.address = server
        seen.local = local1
        seen.connectSeconds = 0.002
        seen.tcpAtConnect = tcpInfo()
        seen.mptcpAtConnect = true
        seen.mptcpAtEnd = true
        seen.info = MPTCPSocketInfo(info: mptcpInfo(sent: sent, received: sent), subflows: subflows)
        seen.endpoints = [endpoint(1, "10.1.2.1")]
        seen.limits = PathManagerLimits(subflows: 2, addAddrAccepted: 2)
        seen.pathManager = "kernel"
        seen.events = events
        seen.interfaces = InterfaceTable(entries: [
            .init(name: "eth0", index: 2, address: local1.address, prefixLength: 24),
            .init(name: "eth1", index: 3, address: local2.address, prefixLength: 24),
        ])
        return seen
    }

    static func evaluate(_ seen: ProbeObservation, _ configure: (inout ProbeModule) -> Void = { _ in }) -> ProbeResult {
        var module = ProbeModule()
        configure(&module)
        return ProbeResult.evaluate(seen, module: module, moduleName: "mptcp")
    }

    @Test("two subflows up, as the endpoints offer: success, each on its interface, nothing missing")
    func healthy() {
        let result = Self.evaluate(Self.connected(subflows: [
            .init(id: 1, local: Self.local1, remote: Self.server, tcp: Self.tcpInfo()),
            .init(id: 2, local: Self.local2, remote: Self.server, tcp: Self.tcpInfo(rtt: 2500)),
        ])) { $0.minSubflows = 2 }
        #expect(result.success && result.mptcp && result.fallback == nil)
        #expect(result.subflows.map(\.interface) == ["eth0", "eth1"])
        #expect(result.subflows.map(\.rttSeconds) == [0.0015, 0.0025])
        #expect(result.expectedSubflows == 2 && result.missingPaths.isEmpty)
        let text = ProbeText.render(result)
        #expect(text.hasPrefix("OK: MPTCP probe of 10.1.1.2:443") && text.contains("#2 10.1.2.1:40001 → 10.1.1.2:443 via eth1: established, rtt 2.5 ms"))
    }

    @Test("fallback stages: SYNs dropped, SYN+ACK without MP_CAPABLE, active MPTCP disabled, after the handshake")
    func fallbackStages() {
        var seen = Self.connected(subflows: [])
        seen.mptcpAtConnect = false
        seen.mptcpAtEnd = false
        seen.synRetransmitsBeforeFallback = 2
        seen.tcpAtConnect = Self.tcpInfo(totalRetrans: 3)
        #expect(Self.evaluate(seen).fallback?.stage == .synDropped)
        #expect(Self.evaluate(seen).failure?.hasPrefix("fell back to TCP (syn_dropped): the SYN was sent 4 times") == true)
        seen.tcpAtConnect = Self.tcpInfo(totalRetrans: 0)
        #expect(Self.evaluate(seen).fallback?.stage == .synAckWithoutMPCapable)
        seen.activeDisabledBefore = 4
        seen.activeDisabledAfter = 5
        #expect(Self.evaluate(seen).fallback?.stage == .activeDisabled)
        #expect(Self.evaluate(seen) { $0.allowFallback = true }.success, "the module allows a fallback")
        var late = Self.connected(subflows: [])
        late.mptcpAtEnd = false
        let result = Self.evaluate(late)
        #expect(result.fallback?.stage == .afterHandshake && !result.success && result.subflows.count == 1)
    }

    @Test("a path that did not come up is named with its reason: closed with an error, still connecting, limit reached, no data yet")
    func missingPaths() {
        let closed = Self.event(.subflowClosed, source: Self.local2.address, destination: Self.server.address,
                                sourcePort: 40001, destinationPort: 443, error: 111)
        let one: [MPTCPSocketInfo.Subflow] = [.init(id: 1, local: Self.local1, remote: Self.server, tcp: Self.tcpInfo())]
        var result = Self.evaluate(Self.connected(subflows: one, events: [closed])) { $0.minSubflows = 2 }
        #expect(result.missingPaths.map(\.reason) == ["a subflow was tried and closed: ECONNREFUSED"])
        #expect(result.missingPaths.first?.interface == "eth1" && result.closedSubflows.first?.local == "10.1.2.1:40001")
        #expect(result.failure == "1 subflow(s) up, 2 required; 10.1.2.1 → 10.1.1.2:443: a subflow was tried and closed: ECONNREFUSED")

        let pending = one + [.init(id: 2, local: Self.local2, remote: Self.server, tcp: Self.tcpInfo(state: 2))]
        result = Self.evaluate(Self.connected(subflows: pending))
        #expect(result.missingPaths.first?.reason.hasPrefix("still connecting at the deadline") == true)
        #expect(result.subflows.map(\.state) == ["established", "syn_sent"])

        var limited = Self.connected(subflows: one)
        limited.limits = PathManagerLimits(subflows: 0, addAddrAccepted: 0)
        #expect(Self.evaluate(limited).missingPaths.first?.reason.hasPrefix("not tried: the subflow limit (0)") == true)
        #expect(Self.evaluate(limited).expectedSubflows == 1)

        let quiet = Self.evaluate(Self.connected(subflows: one, sent: 0))
        #expect(quiet.expectedSubflows == 1, "before data crosses, the endpoints are not expected")
        #expect(quiet.missingPaths.first?.reason.contains("no data crossed the connection") == true)
        #expect(quiet.success)
    }

    @Test("announcements: seen, expected, and named when refused or not accepted")
    func announcements() {
        let peer2 = IPAddress(parsing: "10.1.3.2")!
        let announced = Self.event(.announced, destination: peer2, destinationPort: 0)
        let one: [MPTCPSocketInfo.Subflow] = [.init(id: 1, local: Self.local1, remote: Self.server, tcp: Self.tcpInfo())]
        var seen = Self.connected(subflows: one, events: [announced])
        seen.endpoints = []
        var result = Self.evaluate(seen)
        #expect(result.announced == ["10.1.3.2"] && result.expectedSubflows == 2)
        #expect(result.missingPaths.map(\.reason) == ["announced, no subflow towards it came up"])
        seen.limits = PathManagerLimits(subflows: 2, addAddrAccepted: 0)
        result = Self.evaluate(seen)
        #expect(result.expectedSubflows == 1 && result.missingPaths.map(\.reason) == ["announced, not accepted: add_addr_accepted is 0"])
        seen.events = nil
        seen.eventsUnavailable = "a namespace uses the userspace path manager"
        result = Self.evaluate(seen)
        #expect(!result.eventsSeen && result.announced.isEmpty)
        #expect(ProbeText.render(result).contains("own path-manager events not seen: a namespace uses the userspace path manager"))
    }

    static let earlyCases: [(socketErrno: Int32?, connectErrno: Int32?, message: String)] = [
        (92, nil, "MPTCP is disabled on this host"),
        (93, nil, "this kernel has no MPTCP"),
        (nil, 111, "ECONNREFUSED"),
        (nil, 110, "no answer within the deadline"),
    ]

    @Test("failures before a connection say what to fix", arguments: 0..<4)
    func early(index: Int) {
        let (socketErrno, connectErrno, message) = Self.earlyCases[index]
        var seen = ProbeObservation(target: ProbeTarget(host: "10.1.1.2", port: 443))
        seen.address = Self.server
        seen.socketErrno = socketErrno
        seen.connectErrno = connectErrno
        let result = Self.evaluate(seen)
        #expect(!result.success && result.failure?.contains(message) == true, "\(result.failure ?? "")")
        let families = ProbeFamilies.families(result)
        #expect(families.first { $0.name == "probe_success" }?.samples.first?.value == .double(0))
    }

    /// MPTCP_FULL_INFO as the kernel leaves it: the header (sizes, count), the
    /// subflow array (id, sockaddr_storage pair), the tcp_info array.
    static func fullInfo(count: UInt32, capacity: UInt32 = 4) -> (header: [UInt8], subflows: [UInt8], tcp: [UInt8]) {
        var header: [UInt8] = []
        for value in [UInt32(280), 320, 264, 264, count, capacity] { withUnsafeBytes(of: value.littleEndian) { header += $0 } }
        header += [UInt8](repeating: 0, count: 16) + [UInt8](repeating: 0, count: 96)
        var subflows = [UInt8](repeating: 0, count: Int(capacity) * 264)
        var tcp = [UInt8](repeating: 0, count: Int(capacity) * 320)
        for index in 0..<Int(min(count, capacity)) {
            let base = index * 264
            subflows[base] = UInt8(index + 1)                                   // id
            subflows[base + 8] = 2                                              // local: AF_INET
            subflows[base + 10] = 0x9c; subflows[base + 11] = 0x40              // port 40000
            subflows.replaceSubrange(base + 12..<base + 16, with: [10, 1, UInt8(index + 1), 1])
            subflows[base + 136] = 10                                           // remote: AF_INET6
            subflows[base + 138] = 0x01; subflows[base + 139] = 0xbb            // port 443
            subflows.replaceSubrange(base + 144..<base + 160, with: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2])
            tcp[index * 320] = 1
        }
        return (header, subflows, tcp)
    }

    @Test("MPTCP_FULL_INFO: ids, both addresses and tcp_info per subflow, at the strides the caller offered")
    func fullInfoDecoding() throws {
        let raw = Self.fullInfo(count: 2)
        let info = try #require(MPTCPSocketOptions.decodeFullInfo(ByteView(raw.header), subflowInfo: ByteView(raw.subflows), tcpInfo: ByteView(raw.tcp)))
        #expect(info.subflows.map(\.id) == [1, 2])
        #expect(info.subflows.map { $0.local.map { "\($0)" } } == ["10.1.1.1:40000", "10.1.2.1:40000"])
        #expect(info.subflows.map { $0.remote.map { "\($0)" } } == ["[2001:db8::2]:443", "[2001:db8::2]:443"])
        #expect(info.subflows.map { $0.tcp?.state } == [1, 1] && info.subflows.first?.tcp?.length == 280)
        // More subflows than the caller's arrays hold: only those the arrays hold.
        let many = Self.fullInfo(count: 9, capacity: 4)
        #expect(MPTCPSocketOptions.decodeFullInfo(ByteView(many.header), subflowInfo: ByteView(many.subflows), tcpInfo: ByteView(many.tcp))?.subflows.count == 4)
    }

    @Test("MPTCP_FULL_INFO and the older options cut anywhere: what fits is kept, nothing traps")
    func truncatedAnswers() {
        let raw = Self.fullInfo(count: 3)
        for cut in stride(from: 0, through: raw.subflows.count, by: 13) {
            let info = MPTCPSocketOptions.decodeFullInfo(ByteView(Array(raw.header.prefix(max(24, cut % 160)))),
                                                         subflowInfo: ByteView(Array(raw.subflows.prefix(cut))),
                                                         tcpInfo: ByteView(Array(raw.tcp.prefix(cut))))
            #expect((info?.subflows.count ?? 0) <= 3)
        }
        #expect(MPTCPSocketOptions.decodeFullInfo(ByteView(Array(raw.header.prefix(23))), subflowInfo: ByteView([]), tcpInfo: ByteView([])) == nil)
        var data = MPTCPSocketOptions.subflowDataRequest(subflows: 2, elementSize: 256)
        data[4] = 200                                                            // num_subflows larger than the buffer
        data[8] = 0; data[9] = 1                                                 // size_kernel 256
        #expect(MPTCPSocketOptions.subflowDataElements(ByteView(data)).count == 2)
        #expect(MPTCPSocketOptions.subflowDataElements(ByteView(Array(data.prefix(15)))).isEmpty)
    }
}
