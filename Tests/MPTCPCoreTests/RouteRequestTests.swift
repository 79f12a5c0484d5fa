import MPTCPWire
import Testing

/// `RTM_GETROUTE` at the byte level, against answers this kernel (6.18) gave
/// in a namespace with 10.1.1.1/24 on c1 (index 3) and 10.1.2.1/24 on c2
/// (index 5), asked for 10.1.1.2 from 10.1.2.1.
@Suite("route lookups")
struct RouteRequestTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    /// By source address alone: the main table's route through c1.
    static let unbound = bytes("6800000018000000010000003438000002202000fe0000010002000008000f00fe000000080001000a010102080002000a0102010800040003000000080019000000000024000c000200000000000000000000000000000000000000000000000000000000000000")
    /// Bound to c2, which no table routes 10.1.1.2 through: table 0, the on-link guess.
    static let boundOnLink = bytes("6800000018000000010000003438000002202000000000010002000008000f0000000000080001000a010102080002000a0102010800040005000000080019000000000024000c000100000000000000000000000000000000000000000000000000000000000000")

    static func answer(_ bytes: [UInt8]) throws -> RouteRequest.Answer? {
        let (messages, error) = NetlinkMessages.split(ByteView(bytes))
        #expect(error == nil)
        return try RouteRequest.answer(try #require(messages.first))
    }

    @Test("the request: rtmsg asking for the matched table, destination, source and, when bound, the output interface")
    func request() throws {
        let destination = try #require(IPAddress(parsing: "10.1.1.2")), source = try #require(IPAddress(parsing: "10.1.2.1"))
        let plain = RouteRequest.get(destination: destination, source: source, sequence: 1)
        #expect(Array(plain[16..<28]) == [2, 32, 32, 0, 0, 0, 0, 0, 0x00, 0x10, 0, 0], "RTM_F_LOOKUP_TABLE in rtm_flags")
        #expect(Array(plain[28...]) == [8, 0, 1, 0, 10, 1, 1, 2, 8, 0, 2, 0, 10, 1, 2, 1])
        let bound = RouteRequest.get(destination: destination, source: source, outputInterface: 5, sequence: 1)
        #expect(Array(bound[44...]) == [8, 0, 4, 0, 5, 0, 0, 0])
        #expect(bound.count == Int(bound[0]))
    }

    @Test("answers: the table that held the route, and 0 with the bound device when none did")
    func answers() throws {
        #expect(try Self.answer(Self.unbound) == RouteRequest.Answer(outputInterface: 3, table: 254))
        #expect(try Self.answer(Self.boundOnLink) == RouteRequest.Answer(outputInterface: 5, table: 0))
    }

    @Test("a truncated rtmsg or attribute is an error, another message type is no answer")
    func malformed() throws {
        var short = Self.unbound
        short[0] = 24
        #expect(throws: NetlinkDecodeError.self) { try Self.answer(Array(short[0..<24])) }
        var cut = Self.unbound
        cut[0] = 32
        cut[28] = 20 // an RTA_TABLE claiming more bytes than the message has
        #expect(throws: NetlinkDecodeError.self) { try Self.answer(Array(cut[0..<32])) }
        var other = Self.unbound
        other[4] = 3 // NLMSG_DONE
        #expect(try Self.answer(other) == nil)
    }
}
