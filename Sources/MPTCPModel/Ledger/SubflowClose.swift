import MPTCPWire

/// A TCP connection's four-tuple: how a destroy notification, a
/// path-manager event and a dump name the same subflow.
public struct SubflowTuple: Sendable, Hashable {
    public var local: IPAddress
    public var localPort: UInt16
    public var remote: IPAddress
    public var remotePort: UInt16

    public init(local: IPAddress, localPort: UInt16, remote: IPAddress, remotePort: UInt16) {
        self.local = local
        self.localPort = localPort
        self.remote = remote
        self.remotePort = remotePort
    }

    /// The subflow a path-manager event names (nil when it names none).
    public init?(_ event: PathManagerEvent) {
        guard let source = event.source, let destination = event.destination,
              let sourcePort = event.sourcePort, let destinationPort = event.destinationPort else { return nil }
        self.init(local: source, localPort: sourcePort, remote: destination, remotePort: destinationPort)
    }

    public var path: String { "\(local.endpoint(port: localPort)) -> \(remote.endpoint(port: remotePort))" }
}

/// One TCP socket as the kernel's destroy notification
/// (`SKNLGRP_INET_TCP_DESTROY`, `SKNLGRP_INET6_TCP_DESTROY`) reports it when
/// it is freed: its identity and its final byte counts. The notification
/// carries `inet_diag_msg`, `INET_DIAG_PROTOCOL` and `tcp_info`, no ULP
/// information: whether it was an MPTCP subflow, and of which connection,
/// is known only from a dump that saw its cookie or from the path-manager
/// event that named its four-tuple.
public struct SubflowClose: Sendable, Equatable {
    public var cookie: UInt64
    public var tuple: SubflowTuple
    /// The device the socket was bound to (an endpoint's `dev`), 0 if none.
    public var boundInterface: UInt32
    public var bytes: InterfaceByteCounters.Bytes
    /// When the notification was received (CLOCK_REALTIME seconds).
    public var time: Double

    public init(cookie: UInt64, tuple: SubflowTuple, boundInterface: UInt32, bytes: InterfaceByteCounters.Bytes, time: Double) {
        self.cookie = cookie
        self.tuple = tuple
        self.boundInterface = boundInterface
        self.bytes = bytes
        self.time = time
    }

    /// From a decoded notification; nil without `tcp_info` (nothing to count).
    public init?(_ socket: DiagSocket, time: Double) {
        guard let tcp = socket.tcpInfo else { return nil }
        let header = socket.header
        self.init(cookie: header.cookie,
                  tuple: SubflowTuple(local: header.source, localPort: header.sourcePort,
                                      remote: header.destination, remotePort: header.destinationPort),
                  boundInterface: header.interfaceIndex,
                  bytes: .init(acked: tcp.bytesAcked ?? 0, received: tcp.bytesReceived ?? 0, retransmitted: tcp.bytesRetrans ?? 0),
                  time: time)
    }
}
