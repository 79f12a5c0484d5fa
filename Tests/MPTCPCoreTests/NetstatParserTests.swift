import MPTCPWire
import Testing

@Suite("NetstatParser")
struct NetstatParserTests {
    @Test("6.18 capture: 76 MPTcpExt counters, by name, with the values of the run")
    func kernel618() throws {
        let table = NetstatParser.parse(try Fixture.bytes("netstat-6.18-server"))
        #expect(table.issues.isEmpty)
        #expect(table.sections.map(\.prefix) == ["TcpExt", "IpExt", "MPTcpExt"])
        let mptcp = try #require(table.section("MPTcpExt"))
        #expect(mptcp.counters.count == 76)
        #expect(mptcp["MPCapableSYNRX"] == 3)
        #expect(mptcp["MPCapableACKRX"] == 3)
        #expect(mptcp["MPJoinSynRx"] == 2)
        #expect(mptcp["MPJoinAckRx"] == 2)
        #expect(mptcp["MPCurrEstab"] == 0)
        #expect(mptcp["WinProbe"] == 0)
        #expect(mptcp["RcvPruned"] == nil, "6.18.44 has no RcvPruned")
        #expect(mptcp.names.first == "MPCapableSYNRX")
        #expect(mptcp.names.last == "WinProbe")
    }

    @Test("snmp: Tcp counters, and the signed MaxConn kept apart")
    func snmp() throws {
        let table = NetstatParser.parse(try Fixture.bytes("snmp-6.18-server"))
        #expect(table.issues.isEmpty)
        #expect(table.sections.map(\.prefix) == ["Ip", "Icmp", "Tcp", "Udp", "UdpLite"])
        let tcp = try #require(table.section("Tcp"))
        #expect(tcp["PassiveOpens"] == 5)
        #expect(tcp["CurrEstab"] == 0)
        #expect(tcp["MaxConn"] == nil)
        #expect(tcp.signedFields.first { $0.name == "MaxConn" }?.value == -1)
    }

    @Test("5.18 shape from the reference document: 46 counters")
    func kernel518() throws {
        let table = NetstatParser.parse(try Fixture.bytes("netstat-5.18-reference"))
        #expect(table.issues.isEmpty)
        let mptcp = try #require(table.section("MPTcpExt"))
        #expect(mptcp.counters.count == 46)
        #expect(mptcp["MPCapableSYNTX"] == 2203)
        #expect(mptcp["MPCapableSYNACKRX"] == 2172)
        #expect(mptcp["MPCapableFallbackSYNACK"] == 22)
        #expect(mptcp["MPRstTx"] == 17)
        #expect(mptcp["RcvPruned"] == 0)
        #expect(mptcp["MPJoinSynTx"] == nil)
        #expect(mptcp["MPCurrEstab"] == nil)
    }

    @Test("a namespace that never had an MPTCP socket: 76 zeros")
    func freshNamespace() throws {
        let table = NetstatParser.parse(try Fixture.bytes("netstat-6.18-fresh-namespace"))
        let mptcp = try #require(table.section("MPTcpExt"))
        #expect(mptcp.counters.count == 76)
        #expect(mptcp.counters.allSatisfy { $0.value == 0 })
    }

    @Test("a kernel without MPTCP: no MPTcpExt section, the rest is read")
    func noMPTCPSection() throws {
        let text = try Fixture.text("netstat-6.18-server")
            .split(separator: "\n").filter { !$0.hasPrefix("MPTcpExt") }.joined(separator: "\n")
        let table = NetstatParser.parse(text)
        #expect(table.issues.isEmpty)
        #expect(table.section("MPTcpExt") == nil)
        #expect(table.section("TcpExt") != nil)
    }

    @Test("an empty file gives an empty table")
    func emptyFile() {
        let table = NetstatParser.parse([UInt8]())
        #expect(table.sections.isEmpty)
        #expect(table.issues.isEmpty)
        #expect(NetstatParser.parse("\n\n").sections.isEmpty)
    }

    @Test("header and value counts differ: that section is skipped, the others kept")
    func countMismatch() throws {
        let table = NetstatParser.parse("""
            TcpExt: A B
            TcpExt: 1 2
            MPTcpExt: MPCapableSYNRX MPCapableSYNTX MPJoinSynRx
            MPTcpExt: 1 2
            IpExt: X
            IpExt: 9

            """)
        #expect(table.section("MPTcpExt") == nil)
        #expect(table["TcpExt", "B"] == 2)
        #expect(table["IpExt", "X"] == 9)
        #expect(table.issues == [NetstatParseIssue(line: 3, prefix: "MPTcpExt", kind: .fieldCountMismatch(names: 3, values: 2))])
    }

    @Test("a non-numeric value is left out; its neighbours are kept")
    func nonNumeric() {
        let table = NetstatParser.parse("MPTcpExt: A B C\nMPTcpExt: 1 x2 3\n")
        #expect(table["MPTcpExt", "A"] == 1)
        #expect(table["MPTcpExt", "B"] == nil)
        #expect(table["MPTcpExt", "C"] == 3)
        #expect(table.issues == [NetstatParseIssue(line: 2, prefix: "MPTcpExt", kind: .invalidValue(name: "B", text: "x2"))])
    }

    @Test("values above 2^63 are exact; above 2^64-1 they are an error, not a trap")
    func hugeValues() {
        let table = NetstatParser.parse(
            "MPTcpExt: Big Max Over Neg\nMPTcpExt: 9223372036854775808 18446744073709551615 18446744073709551616 -9223372036854775809\n")
        #expect(table["MPTcpExt", "Big"] == 9_223_372_036_854_775_808)
        #expect(table["MPTcpExt", "Max"] == UInt64.max)
        #expect(table["MPTcpExt", "Over"] == nil)
        #expect(table["MPTcpExt", "Neg"] == nil)
        #expect(table.issues.count == 2)
        #expect(table.section("MPTcpExt")?.signedFields.isEmpty == true)
        let minimum = NetstatParser.parse("Tcp: M\nTcp: -9223372036854775808\n")
        #expect(minimum.section("Tcp")?.signedFields.first?.value == Int64.min)
    }

    @Test("an unpaired header, a prefix mismatch, duplicates and garbage lines are reported")
    func malformed() {
        let table = NetstatParser.parse("""
            garbage without colon
            TcpExt: A
            IpExt: B C
            IpExt: 2 3
            IpExt: B
            IpExt: 9
            MPTcpExt: D D
            MPTcpExt: 4 5
            Tcp: Z
            """)
        #expect(table["IpExt", "B"] == 2, "the first IpExt pair is kept")
        #expect(table["IpExt", "C"] == 3)
        #expect(table["MPTcpExt", "D"] == 4)
        let kinds = table.issues.map(\.kind)
        #expect(kinds.contains(.malformedLine))
        #expect(kinds.contains(.prefixMismatch(header: "TcpExt", values: "IpExt")))
        #expect(kinds.contains(.duplicateSection))
        #expect(kinds.contains(.duplicateName("D")))
        #expect(kinds.contains(.unpairedLine))
    }

    @Test("tabs, CR and repeated spaces are separators")
    func whitespace() {
        let table = NetstatParser.parse("MPTcpExt:\tA  B\r\nMPTcpExt: 1\t 2 \r\n")
        #expect(table["MPTcpExt", "A"] == 1)
        #expect(table["MPTcpExt", "B"] == 2)
        #expect(table.issues.isEmpty)
    }

    @Test("mutated captures never trap (bounded, deterministic)")
    func mutations() throws {
        let original = try Fixture.bytes("netstat-6.18-server")
        var generator = SplitMix64(seed: 0x6d70_7463)
        let alphabet = Array("0123456789 :\n\t-xAZ".utf8)
        for _ in 0..<2000 {
            var bytes = original
            for _ in 0..<(1 + Int(generator.next() % 8)) {
                let position = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes[position] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: position)
                default: bytes.removeSubrange(position..<min(bytes.count, position + Int(generator.next() % 200)))
                }
                if bytes.isEmpty { break }
            }
            let table = NetstatParser.parse(bytes)
            #expect(table.sections.count <= 3)
        }
    }
}

/// A small deterministic generator for the mutation test.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
