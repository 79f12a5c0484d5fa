import MPTCPWire
import MPTCPModel

// Conveniences the tests use to work on whole fixtures at once. Production
// code streams instead (ConnectionReader joins and counts as the kernel
// answers), so these live here, not in the core.

extension ConnectionJoiner {
    /// The whole join at once.
    static func join(mptcp: [DiagSocket], tcp: [DiagSocket], interfaces: InterfaceTable = InterfaceTable()) -> ConnectionSnapshot {
        var joiner = ConnectionJoiner(interfaces: interfaces)
        for socket in mptcp { joiner.addMPTCP(socket) }
        for socket in tcp { _ = joiner.addTCP(socket) }
        return joiner.finish()
    }
}

extension SockDiagDecoder {
    /// Every datagram of a dump decoded into one result.
    static func decode(_ datagrams: [[UInt8]], infoKind: DiagSocket.InfoKind) -> Result {
        var result = Result()
        for datagram in datagrams { decode(ByteView(datagram), infoKind: infoKind, into: &result) }
        return result
    }
}

extension InterfaceByteCounters {
    /// One update with every subflow of a snapshot: closed subflows plus those open now.
    mutating func update(with snapshot: ConnectionSnapshot) -> [String: Bytes] {
        beginUpdate()
        for connection in snapshot.connections { for subflow in connection.subflows { record(subflow) } }
        return finishUpdate()
    }
}
