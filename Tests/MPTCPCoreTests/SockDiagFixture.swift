import Foundation
import MPTCPWire
import MPTCPModel

/// The raw sock_diag captures under Fixtures/sockdiag-6.18-{cli,srv}.
enum SockDiagFixture {
    /// The datagrams of one capture file (u32 little-endian length, then bytes).
    static func datagrams(_ side: String, _ file: String) throws -> [[UInt8]] {
        try datagramsAt("sockdiag-6.18-\(side)/\(file).bin")
    }

    /// Any capture file under Fixtures/ (the snapshot archive's datagram format).
    static func datagramsAt(_ path: String) throws -> [[UInt8]] {
        SnapshotArchive.decodeDatagrams(try Fixture.bytes(path))
    }

    static func decode(_ side: String) throws -> (mptcp: [DiagSocket], tcp: [DiagSocket]) {
        var mptcp: [DiagSocket] = []
        var tcp: [DiagSocket] = []
        for family in ["inet", "inet6"] {
            mptcp += SockDiagDecoder.decode(try datagrams(side, "mptcp-\(family)"), infoKind: .mptcp).sockets
            tcp += SockDiagDecoder.decode(try datagrams(side, "tcp-\(family)"), infoKind: .tcp).sockets
        }
        return (mptcp, tcp)
    }

    /// The client namespace's interfaces at capture time.
    static let clientInterfaces = InterfaceTable(entries: [
        .init(name: "lo", index: 1, address: IPAddress(family: IPAddress.inet, bytes: [127, 0, 0, 1]), prefixLength: 8),
        .init(name: "c1", index: 2, address: IPAddress(family: IPAddress.inet, bytes: [10, 77, 1, 1]), prefixLength: 24),
        .init(name: "c2", index: 3, address: IPAddress(family: IPAddress.inet, bytes: [10, 77, 2, 1]), prefixLength: 24),
        .init(name: "c1", index: 2, address: ipv6("fd00:77:1::1"), prefixLength: 64),
        .init(name: "c2", index: 3, address: ipv6("fd00:77:2::1"), prefixLength: 64),
    ])
    static let serverInterfaces = InterfaceTable(entries: [
        .init(name: "s1", index: 2, address: IPAddress(family: IPAddress.inet, bytes: [10, 77, 1, 2]), prefixLength: 24),
        .init(name: "s2", index: 3, address: IPAddress(family: IPAddress.inet, bytes: [10, 77, 2, 2]), prefixLength: 24),
        .init(name: "s1", index: 2, address: ipv6("fd00:77:1::2"), prefixLength: 64),
        .init(name: "s2", index: 3, address: ipv6("fd00:77:2::2"), prefixLength: 64),
    ])

    /// `fd00:77:1::1` style addresses (no embedded IPv4) for the tables above.
    static func ipv6(_ text: String) -> IPAddress {
        let halves = text.components(separatedBy: "::")
        func groups(_ part: String) -> [UInt16] { part.isEmpty ? [] : part.split(separator: ":").map { UInt16($0, radix: 16) ?? 0 } }
        let head = groups(halves[0]), tail = halves.count > 1 ? groups(halves[1]) : []
        let all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        return IPAddress(family: IPAddress.inet6, bytes: all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] })
    }

    /// Tokens `ss -tinH` printed: (remote, local) pairs per subflow.
    static func ssTokens(_ side: String) throws -> [(remote: String, local: String, localID: String)] {
        let text = try Fixture.text("sockdiag-6.18-\(side).ss-ti.txt")
        return text.components(separatedBy: "token:").dropFirst().map { chunk in
            let token = chunk.prefix { $0 != " " && $0 != "\n" }
            // 0000(id:0)/8ded3e77(id:1)
            let parts = token.split(separator: "/")
            let remote = String(parts[0].prefix { $0 != "(" })
            let local = String(parts[1].prefix { $0 != "(" })
            let localID = String(parts[1].split(separator: ":").last?.dropLast() ?? "")
            return (remote, local, localID)
        }
    }

    /// 4-tuples `ss -MnH` printed.
    static func ssConnections(_ side: String) throws -> [String] {
        try Fixture.text("sockdiag-6.18-\(side).ss-M.txt").split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            return "\(fields[3]) -> \(fields[4])"
        }
    }
}
