import MPTCPWire
import MPTCPModel
import Testing

@Suite("sock_diag decoding")
struct SockDiagDecoderTests {
    @Test("client capture: 4 connections (one IPv6, one fallen back), 7 subflows, tokens and 4-tuples as ss printed them")
    func client() throws {
        let (mptcp, tcp) = try SockDiagFixture.decode("cli")
        let snapshot = ConnectionJoiner.join(mptcp: mptcp, tcp: tcp, interfaces: SockDiagFixture.clientInterfaces)
        #expect(snapshot.connections.count == 4)
        #expect(snapshot.subflowCount == 7)
        #expect(snapshot.listeners.isEmpty)
        #expect(snapshot.unmatchedSubflows.isEmpty)
        #expect(snapshot.missingFields.isEmpty)
        #expect(Set(snapshot.connections.map { "\($0.localEndpoint) -> \($0.remoteEndpoint)" }) == Set(try SockDiagFixture.ssConnections("cli")))

        let ssTokens = try SockDiagFixture.ssTokens("cli")
        #expect(Set(snapshot.connections.map(\.tokenHex)) == Set(ssTokens.map(\.local)))
        for connection in snapshot.connections {
            let fromSS = ssTokens.filter { $0.local == connection.tokenHex }
            #expect(connection.subflows.count == fromSS.count, "\(connection.tokenHex)")
            #expect(connection.info?.length == 96)
            #expect(connection.info?.bytesSent == 200_000)
            #expect(connection.stateName == "established")
        }
        let fallback = try #require(snapshot.connections.first { $0.isFallback })
        #expect(fallback.remotePort == 5301)
        #expect(fallback.subflows.count == 1)
        let ipv6 = try #require(snapshot.connections.first { $0.family == IPAddress.inet6 })
        #expect(ipv6.localEndpoint == "[fd00:77:1::1]:37522")
        #expect(ipv6.subflows.map(\.role) == [.initial, .join])
        #expect(ipv6.subflows.map(\.interface) == ["c1", "c2"])
        #expect(ipv6.subflows.map { $0.localID } == [0, 2])
        for connection in snapshot.connections where !connection.isFallback {
            #expect(connection.subflows.map(\.role) == [.initial, .join])
            #expect(connection.subflows.map(\.priority) == [.active, .active])
            #expect(connection.info?.totalSubflows == 2)
            #expect(connection.subflows[0].flags == 0xc3, "MCAP_REM|MCAP_LOC|FULLY_ESTABLISHED|CONNECTED")
            #expect(connection.subflows[1].flagLetters == "Jjec", "MP_JOIN initiated here, fully established")
            #expect(connection.subflows[1].remoteToken != nil && connection.subflows[1].remoteToken != 0)
            #expect(connection.subflows.allSatisfy { ($0.tcp?.length ?? 0) == 280 })
        }
    }

    @Test("server capture: 3 connections, 6 subflows, 2 listeners; joins leave through the second link")
    func server() throws {
        let (mptcp, tcp) = try SockDiagFixture.decode("srv")
        let snapshot = ConnectionJoiner.join(mptcp: mptcp, tcp: tcp, interfaces: SockDiagFixture.serverInterfaces)
        #expect(snapshot.connections.count == 3)
        #expect(snapshot.subflowCount == 6)
        #expect(Set(snapshot.listeners.map(\.endpoint)) == ["10.77.1.2:5201", "[fd00:77:1::2]:5201"])
        #expect(Set(snapshot.connections.map(\.tokenHex)) == Set(try SockDiagFixture.ssTokens("srv").map(\.local)))
        for connection in snapshot.connections {
            #expect(connection.subflows.map(\.interface) == ["s1", "s2"], "the join comes from the peer's second subnet")
            #expect(connection.info?.bytesReceived == 200_000)
        }
    }

    /// 48 (6.1) and 96 (6.12, 6.18) are real captures in KernelShapesTests;
    /// the sizes no captured kernel sends (5.9's 40, 6.5's 80, 6.8's 88) are
    /// made here by cutting the 6.18 payload.
    @Test("mptcp_info of kernels not captured: fields beyond the payload are absent, not zero", arguments: [40, 80, 88])
    func olderMPTCPInfo(length: Int) throws {
        let (mptcp, _) = try SockDiagFixture.decode("cli")
        let full = try #require(mptcp.first?.mptcpInfo)
        // The real payload's key fields, in a 96-byte buffer cut at `length`.
        var payload = [UInt8](repeating: 0, count: 96)
        payload[0] = full.subflows ?? 0
        payload.replaceSubrange(12..<16, with: withUnsafeBytes(of: (full.token ?? 0).littleEndian) { Array($0) })
        payload.replaceSubrange(56..<64, with: withUnsafeBytes(of: (full.bytesSent ?? 0).littleEndian) { Array($0) })
        payload[80] = 2
        payload.replaceSubrange(84..<88, with: withUnsafeBytes(of: UInt32(1234).littleEndian) { Array($0) })
        let info = MPTCPInfo(ByteView(Array(payload.prefix(length))))
        #expect(info.length == length)
        #expect(info.token == full.token)
        #expect((info.localAddrUsed != nil) == (length >= 48))
        #expect((info.bytesSent != nil) == (length >= 80))
        #expect(info.bytesSent.map { $0 == 200_000 } ?? true)
        #expect((info.subflowsTotal != nil) == (length >= 88))
        #expect((info.retransmits != nil) == (length >= 80), "offset 44 was padding in the 48-byte struct")
        #expect((info.lastDataSent != nil) == (length >= 96))
        #expect(info.totalSubflows == (length >= 88 ? 2 : Int(full.subflows ?? 0) + 1))
    }

    @Test("a payload shorter than any real mptcp_info has no field; a tcp_info field is there from its last byte on")
    func presenceFromTheLayout() {
        let short = MPTCPInfo(ByteView([UInt8](repeating: 7, count: 39)))
        #expect(short.subflows == nil && short.token == nil && short.flags == nil)
        var payload = [UInt8](repeating: 0, count: 84)
        payload[80] = 0x20
        #expect(TCPInfo(ByteView(Array(payload.prefix(83)))).sndCwnd == nil)
        #expect(TCPInfo(ByteView(payload)).sndCwnd == 0x20)
    }

    @Test("a longer mptcp_info from a future kernel decodes the known fields")
    func futureMPTCPInfo() {
        var payload = [UInt8](repeating: 0, count: 128)
        payload[80] = 3
        payload[127] = 0xff
        let info = MPTCPInfo(ByteView(payload))
        #expect(info.subflowsTotal == 3)
        #expect(info.lastAckRecv == 0)
    }

    @Test("tcp_info of an old kernel (104 bytes) has rtt and cwnd but no bytes counters")
    func shortTCPInfo() {
        var payload = [UInt8](repeating: 0, count: 104)
        payload[68] = 0x10; payload[80] = 10
        let info = TCPInfo(ByteView(payload))
        #expect(info.rtt == 16)
        #expect(info.sndCwnd == 10)
        #expect(info.totalRetrans == 0)
        #expect(info.bytesAcked == nil)
        #expect(info.deliveryRate == nil)
    }

    @Test("a datagram cut in the middle of an attribute: clear errors, the sockets before it kept, no trap")
    func truncated() throws {
        let datagrams = try SockDiagFixture.datagrams("cli", "tcp-inet")
        let whole = SockDiagDecoder.decode(datagrams, infoKind: .tcp)
        #expect(whole.decodeErrors.isEmpty)
        for cut in stride(from: 1, to: datagrams[0].count, by: 7) {
            let result = SockDiagDecoder.decode([Array(datagrams[0].prefix(cut))], infoKind: .tcp)
            #expect(result.sockets.count <= whole.sockets.count)
            if cut < datagrams[0].count { #expect(!result.decodeErrors.isEmpty || result.sockets.count < whole.sockets.count) }
        }
        // Shrink the length of the last attribute's header in place: the
        // message stays well-formed, the attribute list does not.
        var broken = datagrams[0]
        let firstLength = Int(broken[0]) | Int(broken[1]) << 8
        broken[16 + 72] = 0xff   // first attribute's nla_len: now larger than the message
        broken[16 + 73] = 0x0f
        let result = SockDiagDecoder.decode([Array(broken.prefix(firstLength))], infoKind: .tcp)
        #expect(result.sockets.count == 1)
        #expect(result.decodeErrors == [.truncated(what: "attribute", offset: 0)])
    }

    @Test("unknown attribute types are skipped")
    func unknownAttribute() throws {
        let original = try #require(try SockDiagFixture.datagrams("cli", "mptcp-inet").first)
        let first = NetlinkMessages.split(ByteView(original)).messages[0]
        let unknown = NetlinkAttributes.encode(type: 0x3f00 & 0x3fff, payload: [1, 2, 3, 4, 5])
        let payload = first.payload.bytes.prefix(72) + unknown + first.payload.bytes.dropFirst(72)
        let message = NetlinkMessage.encode(type: first.type, flags: first.flags, sequence: first.sequence, payload: Array(payload))
        let result = SockDiagDecoder.decode([message], infoKind: .mptcp)
        #expect(result.decodeErrors.isEmpty)
        let socket = try #require(result.sockets.first)
        let reference = try #require(SockDiagDecoder.decode([original], infoKind: .mptcp).sockets.first)
        #expect(socket.mptcpInfo == reference.mptcpInfo)
        #expect(socket.header == reference.header)
    }

    @Test("NLMSG_ERROR, NLMSG_DONE and NLM_F_DUMP_INTR are reported")
    func controlMessages() {
        var error: [UInt8] = []
        error.append(contentsOf: withUnsafeBytes(of: Int32(-2).littleEndian) { Array($0) })
        error.append(contentsOf: [UInt8](repeating: 0, count: 16))
        let errorMessage = NetlinkMessage.encode(type: NetlinkMessage.typeError, flags: 0, sequence: 1, payload: error)
        let result = SockDiagDecoder.decode([errorMessage], infoKind: .mptcp)
        #expect(result.kernelError == 2)
        let done = NetlinkMessage.encode(type: NetlinkMessage.typeDone, flags: NetlinkMessage.flagMulti | NetlinkMessage.flagDumpInterrupted,
                                         sequence: 1, payload: [0, 0, 0, 0])
        let interrupted = SockDiagDecoder.decode([done], infoKind: .mptcp)
        #expect(interrupted.done)
        #expect(interrupted.interrupted)
        let ack = NetlinkMessage.encode(type: NetlinkMessage.typeError, flags: 0, sequence: 1, payload: [UInt8](repeating: 0, count: 20))
        #expect(SockDiagDecoder.decode([ack], infoKind: .mptcp).kernelError == nil)
    }

    @Test("the MPTCP dump request carries protocol 262 in a 4-byte INET_DIAG_REQ_PROTOCOL attribute")
    func request() {
        let request = SockDiagRequest.dump(family: IPAddress.inet, protocolNumber: 262, sequence: 7)
        #expect(request.count == 16 + 56 + 8)
        #expect(Array(request[0..<4]) == [80, 0, 0, 0])
        #expect(Array(request[4..<6]) == [20, 0])         // SOCK_DIAG_BY_FAMILY
        #expect(request[16] == 2 && request[17] == 6 && request[18] == 2)
        #expect(Array(request[72..<80]) == [8, 0, 3, 0, 6, 1, 0, 0])
        let tcp = SockDiagRequest.dump(family: IPAddress.inet6, protocolNumber: 6, sequence: 7)
        #expect(tcp.count == 72)
    }

    @Test("mutated captures never trap (bounded, deterministic)")
    func mutations() throws {
        let originals = try ["mptcp-inet", "tcp-inet", "tcp-inet6"].flatMap { try SockDiagFixture.datagrams("cli", $0) }
        var generator = SplitMix64(seed: 262)
        for round in 0..<3000 {
            var bytes = originals[round % originals.count]
            for _ in 0..<(1 + Int(generator.next() % 6)) {
                guard !bytes.isEmpty else { break }
                let position = Int(generator.next() % UInt64(bytes.count))
                if generator.next() % 4 == 0 {
                    bytes.removeSubrange(position..<bytes.count)
                } else {
                    bytes[position] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            let result = SockDiagDecoder.decode([bytes], infoKind: round % 2 == 0 ? .mptcp : .tcp)
            _ = ConnectionJoiner.join(mptcp: result.sockets, tcp: result.sockets)
        }
    }

    @Test("IP addresses print as ss prints them", arguments: [
        ("10.77.1.1", IPAddress(family: 2, bytes: [10, 77, 1, 1])),
        ("fd00:77:1::1", SockDiagFixture.ipv6("fd00:77:1::1")),
        ("::", SockDiagFixture.ipv6("::")),
        ("::ffff:10.0.0.1", IPAddress(family: 10, bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1])),
        ("2001:db8::1:0:0:1", SockDiagFixture.ipv6("2001:db8:0:0:1:0:0:1")),
    ])
    func addresses(expected: String, address: IPAddress) {
        #expect(address.description == expected)
    }
}
