import MPTCPWire
/// Builds a ``ConnectionSnapshot`` from the sockets of an MPTCP dump and a TCP
/// dump: subflows are TCP sockets with the `mptcp` ULP, joined to their
/// connection by token (the subflow's local token equals `mptcpi_token`), or
/// by inode when the kernel hides the tokens (every subflow reports the inode
/// of its MPTCP socket).
///
/// The MPTCP sockets are added first; TCP sockets can then be streamed in one
/// by one as the dump is decoded, so a dump of many TCP sockets is never held.
public struct ConnectionJoiner {
    private var snapshot = ConnectionSnapshot()
    private var byToken: [UInt32: Int] = [:]
    private var byInode: [UInt32: Int] = [:]
    private var sawContext = false, sawSequence = false, sawSubflow = false
    private let interfaces: InterfaceTable

    /// - Parameter interfaces: names the interface each subflow uses
    ///   (``InterfaceTable/name(boundIndex:local:remote:)``).
    public init(interfaces: InterfaceTable = InterfaceTable()) {
        self.interfaces = interfaces
    }

    /// The join of raw dumps kept by name (`mptcp-inet`, `mptcp-inet6`,
    /// `tcp-inet`, `tcp-inet6`: what snapshots and archives store).
    public static func join(raw: [String: [[UInt8]]], interfaces: InterfaceTable = InterfaceTable()) -> ConnectionSnapshot {
        var joiner = ConnectionJoiner(interfaces: interfaces)
        for (names, kind) in [(["mptcp-inet", "mptcp-inet6"], DiagSocket.InfoKind.mptcp), (["tcp-inet", "tcp-inet6"], .tcp)] {
            for name in names {
                var result = SockDiagDecoder.Result()
                for datagram in raw[name] ?? [] {
                    if kind == .mptcp {
                        SockDiagDecoder.decode(ByteView(datagram), infoKind: kind, into: &result, onSocket: { joiner.addMPTCP($0) })
                    } else {
                        let inodes = joiner.connectionInodes
                        SockDiagDecoder.decode(ByteView(datagram), infoKind: kind, into: &result,
                                               keep: { Self.isSubflow($0, ulpIsMPTCP: $1, connectionInodes: inodes) },
                                               onSocket: { joiner.addTCP($0) })
                    }
                }
            }
        }
        return joiner.finish()
    }

    /// An MPTCP socket: a connection or a listener.
    public mutating func addMPTCP(_ socket: DiagSocket) {
        let header = socket.header
        if header.state == TCPState.listen {
            snapshot.listeners.append(Listener(family: header.family, local: header.source,
                                               localPort: header.sourcePort, inode: header.inode))
            return
        }
        if socket.mptcpInfo == nil { snapshot.missingFields.insert(.mptcpInfo) }
        // A socket met twice (it moved between the dumps of two families): keep the first.
        if let token = socket.mptcpInfo?.token, byToken[token] != nil { return }
        let index = snapshot.connections.count
        snapshot.connections.append(Connection(
            token: socket.mptcpInfo?.token, family: header.family, state: header.state,
            local: header.source, localPort: header.sourcePort,
            remote: header.destination, remotePort: header.destinationPort,
            inode: header.inode, info: socket.mptcpInfo, subflows: []))
        if let token = socket.mptcpInfo?.token { byToken[token] = index }
        if header.inode != 0 { byInode[header.inode] = index }
    }

    /// Whether a TCP socket is an MPTCP subflow worth decoding: its ULP is
    /// `mptcp`, or (without CAP_NET_ADMIN, kernels before 6.15 send no ULP
    /// info at all) it shares the inode of an MPTCP connection. Not the TCP
    /// side of an MPTCP listener.
    public static func isSubflow(_ header: InetDiagMessage, ulpIsMPTCP: Bool?, connectionInodes: [UInt32: Int]) -> Bool {
        guard header.state != TCPState.listen else { return false }
        if let ulpIsMPTCP { return ulpIsMPTCP }
        return header.inode != 0 && connectionInodes[header.inode] != nil
    }

    /// Inodes of the MPTCP connections added so far (for ``isSubflow(_:ulpIsMPTCP:connectionInodes:)``).
    public var connectionInodes: [UInt32: Int] { byInode }

    /// A TCP socket: kept when it is an MPTCP subflow. Returns the subflow
    /// when it was attached to its connection (for a ``SubflowObserver``).
    @discardableResult
    public mutating func addTCP(_ socket: DiagSocket) -> Subflow? {
        let header = socket.header
        guard Self.isSubflow(header, ulpIsMPTCP: socket.ulpName.map { $0 == "mptcp" }, connectionInodes: byInode) else { return nil }
        sawSubflow = true
        let context = socket.subflow
        if context != nil { sawContext = true }
        if context?.ssnOffset != nil || context?.mapSubflowSeq != nil { sawSequence = true }
        let subflow = Subflow(
            family: header.family, state: header.state,
            local: header.source, localPort: header.sourcePort,
            remote: header.destination, remotePort: header.destinationPort,
            boundInterfaceIndex: header.interfaceIndex,
            interface: interfaces.name(boundIndex: header.interfaceIndex, local: header.source, remote: header.destination),
            cookie: header.cookie, inode: header.inode,
            localID: context?.localID, remoteID: context?.remoteID,
            localToken: context?.localToken, remoteToken: context?.remoteToken,
            flags: context?.flags, tcp: socket.tcpInfo)
        let owner = subflow.localToken.flatMap { byToken[$0] } ?? (header.inode != 0 ? byInode[header.inode] : nil)
        if let owner {
            // Room for two at the first: one allocation for the usual pair (initial and join), not two.
            if snapshot.connections[owner].subflows.isEmpty { snapshot.connections[owner].subflows.reserveCapacity(2) }
            snapshot.connections[owner].subflows.append(subflow)
            return subflow
        }
        snapshot.unmatchedSubflows.append(subflow)
        return nil
    }

    /// The snapshot, subflows in a stable order: initial first, then by local endpoint.
    public mutating func finish() -> ConnectionSnapshot {
        if sawSubflow, !sawContext { snapshot.missingFields.insert(.subflowContext) }
        if sawContext, !sawSequence { snapshot.missingFields.insert(.subflowSequence) }
        for index in snapshot.connections.indices where snapshot.connections[index].subflows.count > 1 {
            snapshot.connections[index].subflows.sort { lhs, rhs in
                let l = (lhs.isJoin == true ? 1 : 0), r = (rhs.isJoin == true ? 1 : 0)
                if l != r { return l < r }
                if lhs.local != rhs.local { return lhs.local < rhs.local }
                return lhs.localPort < rhs.localPort
            }
        }
        byToken = [:]
        byInode = [:]
        return snapshot
    }
}
